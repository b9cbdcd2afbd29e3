using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// The POLLPRI attribute watch over a regular file: a regular file never signals POLLPRI, which makes it a
/// faithful stand-in for an attribute the kernel does not notify. Notification itself is a lab test.
/// </summary>
public sealed class SysfsAttributeWatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-watch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Attribute(string value)
    {
        string path = Path.Combine(_dir, "array_state");
        File.WriteAllText(path, value + "\n");
        return path;
    }

    [Fact]
    public void Open_reads_the_current_value_without_its_newline()
    {
        using var watch = SysfsAttributeWatch.Open(Attribute("clean"));
        Assert.Equal("clean", watch.Value);
    }

    [Fact]
    public void No_notification_means_a_timeout_not_a_spurious_change()
    {
        using var watch = SysfsAttributeWatch.Open(Attribute("clean"));
        var sw = Stopwatch.StartNew();
        Assert.False(watch.WaitForChange(TimeSpan.FromMilliseconds(150), CancellationToken.None));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(140), $"returned after {sw.Elapsed}");
    }

    [Fact]
    public void An_accepted_current_value_returns_at_once()
    {
        string value = KernelWait.UntilAttribute(Attribute("active"), v => v == "active", "active",
            TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("active", value);
    }

    [Fact]
    public void A_wait_that_never_sees_the_value_names_the_path_and_the_last_value()
    {
        string path = Attribute("clean");
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => KernelWait.UntilAttribute(path, v => v == "active",
            "array to be active", TimeSpan.FromMilliseconds(100), CancellationToken.None));
        Assert.Equal($"{path} = 'clean'", e.LastObserved);
        Assert.Contains("waiting for array to be active", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void Cancellation_interrupts_the_poll()
    {
        using var watch = SysfsAttributeWatch.Open(Attribute("clean"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var sw = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => watch.WaitForChange(TimeSpan.FromSeconds(60), cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_missing_attribute_is_an_error_naming_it()
    {
        string path = Path.Combine(_dir, "nope");
        var e = Assert.Throws<NvmeNativeException>(() => SysfsAttributeWatch.Open(path));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal(path, e.Path);
    }
}
