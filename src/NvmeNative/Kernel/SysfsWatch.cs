using System.Text;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Waits for kernfs change notifications (sysfs_notify) on a set of sysfs attributes. The kernel wakes
/// poll(2) with POLLPRI|POLLERR when an attribute changed after this descriptor last read it, so the
/// protocol is: <see cref="Arm"/> (read every attribute), check the condition, then <see cref="Wait"/>. A change
/// that happens between the read and the poll still wakes the poll, so no transition is missed.
/// </summary>
internal sealed class SysfsWatch : IDisposable
{
    private const int PageSize = 4096;
    private readonly string[] _paths;
    private readonly SafeFdHandle[] _fds;

    /// <summary>Opens every attribute; a missing one throws (ENOENT) naming it.</summary>
    internal SysfsWatch(IReadOnlyList<string> paths)
    {
        _paths = [.. paths];
        _fds = new SafeFdHandle[_paths.Length];
        try
        {
            for (int i = 0; i < _paths.Length; i++)
                _fds[i] = Fd.Open(_paths[i], Interop.Fcntl.O_RDONLY);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Reads every attribute from offset 0 (which re-arms its notification) and returns the values.</summary>
    internal string[] Arm()
    {
        var values = new string[_fds.Length];
        Span<byte> buffer = stackalloc byte[PageSize];
        for (int i = 0; i < _fds.Length; i++)
        {
            int n = Fd.PRead(_fds[i], buffer, 0, _paths[i]);
            ReadOnlySpan<byte> content = buffer[..n];
            if (!content.IsEmpty && content[^1] == (byte)'\n')
                content = content[..^1];
            values[i] = Encoding.UTF8.GetString(content);
        }
        return values;
    }

    /// <summary>
    /// Blocks until one of the attributes is notified (true) or the deadline passes (false). Cancellation
    /// wakes the wait through an eventfd and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    internal bool Wait(long deadlineTickCount64, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long left = deadlineTickCount64 - Environment.TickCount64;
        if (left <= 0)
            return false;
        Span<short> revents = stackalloc short[_fds.Length];
        return CancellablePoll.WaitAny(_fds, (short)(Interop.Poll.POLLPRI | Interop.Poll.POLLERR),
            (int)Math.Min(left, int.MaxValue), cancellationToken, string.Join(", ", _paths), revents) > 0;
    }

    /// <summary>
    /// As <see cref="Wait"/>; with <paramref name="async"/> the notification is awaited (<see cref="FdReadiness"/>),
    /// blocking no thread.
    /// </summary>
    internal async ValueTask<bool> WaitAsync(long deadlineTickCount64, bool async, CancellationToken cancellationToken)
    {
        if (!async)
            return Wait(deadlineTickCount64, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        long left = deadlineTickCount64 - Environment.TickCount64;
        if (left <= 0)
            return false;
        return await FdReadiness.WaitAsync(_fds, (short)(Interop.Poll.POLLPRI | Interop.Poll.POLLERR),
            TimeSpan.FromMilliseconds(Math.Min(left, int.MaxValue)), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var fd in _fds)
            fd?.Dispose();
    }
}
