using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

public sealed class FileLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_held_lock_excludes_a_second_holder_until_released()
    {
        string path = Path.Combine(_dir, "sub", "host.lock");
        using (var first = FileLock.Acquire(path))
        {
            // flock belongs to the open file description: a second open in the same process is excluded too.
            Assert.Null(FileLock.TryAcquire(path));
        }
        using var again = FileLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_blocked_acquire_proceeds_when_the_holder_releases()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = Path.Combine(_dir, "host.lock");
        var first = FileLock.Acquire(path);
        using var acquired = new ManualResetEventSlim();
        var waiter = Task.Run(() =>
        {
            using var second = FileLock.Acquire(path);
            acquired.Set();
        }, ct);
        Assert.False(acquired.Wait(200, ct)); // still held: the waiter must not have it
        first.Dispose();
        await waiter.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.True(acquired.IsSet);
    }
}
