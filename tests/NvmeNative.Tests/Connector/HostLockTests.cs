using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Connector;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostLockTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private string LockFile => Path.Combine(_tree.Root, "run", "lock", "nvmenative", "connect_volume.lock");

    [Fact]
    public void A_holder_in_another_process_makes_the_wait_end_at_its_deadline_naming_the_lock()
    {
        // flock locks belong to open file descriptions, so a second open in this process stands for another process.
        using var other = FileLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None);
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => HostLock.Acquire(LockFile, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.Contains(LockFile, e.Message);
    }

    [Fact]
    public void A_holder_in_this_process_makes_the_wait_end_at_its_deadline_and_cancellation_ends_it_at_once()
    {
        using var first = HostLock.Acquire(LockFile, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Throws<NvmeNativeTimeoutException>(() => HostLock.Acquire(LockFile, TimeSpan.FromMilliseconds(20), CancellationToken.None));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => HostLock.Acquire(LockFile, Timeout.InfiniteTimeSpan, cts.Token));
    }

    [Fact]
    public void The_lock_is_free_again_after_dispose_and_after_a_failed_wait()
    {
        using (HostLock.Acquire(LockFile, TimeSpan.FromSeconds(5), CancellationToken.None))
            Assert.Throws<NvmeNativeTimeoutException>(() => HostLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None));
        using var again = HostLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None);
    }

    [Fact]
    public void A_lock_directory_others_can_write_or_a_planted_link_is_refused_and_nothing_is_created()
    {
        string dir = Path.GetDirectoryName(LockFile)!;
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.Throws<NvmeNativeException>(() => HostLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None));
        Assert.False(File.Exists(LockFile));

        Directory.Delete(dir);
        string elsewhere = Directory.CreateDirectory(Path.Combine(_tree.Root, "elsewhere")).FullName;
        Directory.CreateSymbolicLink(dir, elsewhere);
        Assert.Throws<NvmeNativeException>(() => HostLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void The_lock_directory_is_made_root_only()
    {
        using (HostLock.Acquire(LockFile, TimeSpan.Zero, CancellationToken.None))
        {
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(LockFile)!));
    }
}
