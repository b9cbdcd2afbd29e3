using System.Text;

namespace NvmeNative.Kernel;

/// <summary>
/// Waits for kernfs change notifications (sysfs_notify) on a set of sysfs attributes. The kernel wakes
/// poll(2) with POLLPRI|POLLERR when an attribute changed after this descriptor last read it, so the
/// protocol is: <see cref="Arm"/> (read every attribute), check the condition, then <see cref="Wait"/>. A change
/// that happens between the read and the poll still wakes the poll, so no transition is missed.
/// </summary>
internal sealed unsafe class SysfsWatch : IDisposable
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
        using var wakeup = new CancellationWakeup(cancellationToken);
        var all = wakeup.Descriptor is { } cancel ? [.. _fds, cancel] : _fds;
        var added = new bool[all.Length];
        try
        {
            Span<Interop.Poll.pollfd> set = stackalloc Interop.Poll.pollfd[all.Length];
            for (int i = 0; i < all.Length; i++)
            {
                all[i].DangerousAddRef(ref added[i]);
                bool isCancel = i == _fds.Length;
                set[i] = new Interop.Poll.pollfd
                {
                    fd = all[i].RawFd,
                    events = isCancel ? Interop.Poll.POLLIN : (short)(Interop.Poll.POLLPRI | Interop.Poll.POLLERR),
                };
            }
            fixed (Interop.Poll.pollfd* p = set)
            {
                while (true)
                {
                    long left = deadlineTickCount64 - Environment.TickCount64;
                    if (left <= 0)
                        return false;
                    int n = Interop.Libc.poll(p, (nuint)set.Length, (int)Math.Min(left, int.MaxValue));
                    if (n < 0)
                    {
                        int errno = Syscall.LastErrno;
                        if (errno == (int)Errno.EINTR)
                            continue;
                        throw Syscall.Error(errno, "poll", string.Join(", ", _paths));
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    if (n > 0)
                        return true;
                }
            }
        }
        finally
        {
            for (int i = 0; i < all.Length; i++)
                if (added[i])
                    all[i].DangerousRelease();
        }
    }

    public void Dispose()
    {
        foreach (var fd in _fds)
            fd?.Dispose();
    }
}
