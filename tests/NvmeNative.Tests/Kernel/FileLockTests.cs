using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

public sealed class FileLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_held_lock_excludes_a_second_holder_until_released()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_dir, "sub", "host.lock");
        using (var first = FileLock.Acquire(path, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            // flock belongs to the open file description: a second open in the same process is excluded too.
            Assert.Throws<NvmeNativeTimeoutException>(() => FileLock.Acquire(path, TimeSpan.Zero, ct));
        }
        using var again = FileLock.Acquire(path, TimeSpan.Zero, ct);
        Assert.Equal(path, again.Path);
    }

    [Fact]
    public async Task A_blocked_acquire_proceeds_when_the_holder_releases()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_dir, "host.lock");
        var first = FileLock.Acquire(path, TimeSpan.FromSeconds(10), CancellationToken.None);
        using var acquired = new ManualResetEventSlim();
        var waiter = Task.Run(() =>
        {
            using var second = FileLock.Acquire(path, TimeSpan.FromSeconds(10), CancellationToken.None);
            acquired.Set();
        }, ct);
        Assert.False(acquired.Wait(200, ct)); // still held: the waiter must not have it
        first.Dispose();
        await waiter.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.True(acquired.IsSet);
    }

    [Fact]
    public void A_wait_past_its_deadline_names_the_lock_and_the_holding_process()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_dir, "held.lock");
        using var holder = FileLock.Acquire(path, TimeSpan.Zero, ct);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => FileLock.Acquire(path, TimeSpan.FromMilliseconds(200), ct));
        Assert.InRange(clock.ElapsedMilliseconds, 150, 10_000);
        Assert.Equal($"the lock on {path}", e.WaitingFor);
        Assert.Equal(path, e.Path);
        // This process holds it; /proc/locks shows our pid unless /proc is hidden from us.
        if (File.Exists("/proc/locks"))
            Assert.StartsWith($"held by pid {Environment.ProcessId}", e.LastObserved);
    }

    [Fact]
    public void Cancellation_ends_the_wait_at_once()
    {
        string path = Path.Combine(_dir, "cancel.lock");
        using var holder = FileLock.Acquire(path, TimeSpan.Zero, TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource(100);
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => FileLock.Acquire(path, TimeSpan.FromSeconds(60), cts.Token));
        Assert.InRange(clock.ElapsedMilliseconds, 50, 10_000);
    }

    [Fact]
    public void An_unlinked_lock_file_is_seen_as_such()
    {
        string path = Path.Combine(_dir, "map.lock");
        using var held = FileLock.Acquire(path, TimeSpan.Zero, TestContext.Current.CancellationToken, createMode: 0x180);
        Assert.False(held.IsUnlinked);
        Assert.Equal(0x180, Fd.Statx(path).stx_mode & 0x1ff); // 0600
        File.Delete(path);
        Assert.True(held.IsUnlinked);
    }

    [Fact]
    public void A_negative_timeout_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FileLock.Acquire(Path.Combine(_dir, "x.lock"), TimeSpan.FromSeconds(-2), CancellationToken.None));
    }
}
