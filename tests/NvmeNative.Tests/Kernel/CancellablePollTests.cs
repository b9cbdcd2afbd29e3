using System.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>poll(2) with a deadline and a cancellation token, against regular files and pipes.</summary>
public sealed class CancellablePollTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-poll-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Ready_events_return_without_waiting_for_the_timeout()
    {
        string path = Path.Combine(_dir, "p");
        File.WriteAllText(path, "x");
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        short revents = CancellablePoll.Wait(fd, Interop.Poll.POLLIN, Timeout.InfiniteTimeSpan, CancellationToken.None, path); // a regular file is always readable
        Assert.NotEqual(0, revents & Interop.Poll.POLLIN);
    }

    [Fact]
    public void No_event_means_zero_at_the_timeout()
    {
        string path = Path.Combine(_dir, "q");
        File.WriteAllText(path, "x");
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, CancellablePoll.Wait(fd, Interop.Poll.POLLPRI, TimeSpan.FromMilliseconds(100), CancellationToken.None, path));
        Assert.InRange(clock.ElapsedMilliseconds, 90, 10_000);
    }
}
