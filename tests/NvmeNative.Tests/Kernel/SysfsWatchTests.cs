using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// SysfsWatch against regular files, which never raise POLLPRI: the wait must end by its deadline or by
/// cancellation, never by spinning. (The notification path itself is proven on md's attributes in the lab.)
/// </summary>
public sealed class SysfsWatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-watch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Attribute(string name, string value)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, value + "\n");
        return path;
    }

    [Fact]
    public void Arm_reads_every_attribute_from_the_start_each_time()
    {
        string a = Attribute("sync_action", "recover");
        using var watch = new SysfsWatch([a, Attribute("degraded", "1")]);
        Assert.Equal(["recover", "1"], watch.Arm());
        File.WriteAllText(a, "idle\n");
        Assert.Equal(["idle", "1"], watch.Arm());
    }

    [Fact]
    public void Wait_returns_false_at_the_deadline()
    {
        using var watch = new SysfsWatch([Attribute("sync_action", "idle")]);
        watch.Arm();
        var clock = Stopwatch.StartNew();
        Assert.False(watch.Wait(Environment.TickCount64 + 200, CancellationToken.None));
        Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);
    }

    [Fact]
    public void Cancellation_wakes_the_wait_at_once()
    {
        using var watch = new SysfsWatch([Attribute("sync_action", "idle")]);
        watch.Arm();
        using var cts = new CancellationTokenSource(100);
        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => watch.Wait(Environment.TickCount64 + 60_000, cts.Token));
        Assert.InRange(clock.ElapsedMilliseconds, 50, 10_000);
    }

    [Fact]
    public void A_missing_attribute_is_reported_by_path()
    {
        string path = Path.Combine(_dir, "absent");
        var e = Assert.Throws<NvmeNativeException>(() => new SysfsWatch([Attribute("sync_action", "idle"), path]));
        Assert.Equal(NvmeNative.Errors.Errno.ENOENT, e.Errno);
        Assert.Equal(path, e.Path);
    }
}
