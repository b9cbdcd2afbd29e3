using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// poll(2) on one descriptor that also returns when a <see cref="CancellationToken"/> fires: the token's
/// callback writes to an eventfd that is polled alongside, so a cancelled wait ends at once instead of at
/// its next timeout slice. The eventfd exists only while a cancellable wait is blocked.
/// </summary>
internal static unsafe class CancellablePoll
{
    /// <summary>
    /// Waits for <paramref name="events"/> on <paramref name="fd"/>. Returns the revents, or 0 when the
    /// timeout passed. Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    internal static short Wait(SafeFdHandle fd, short events, TimeSpan timeout, CancellationToken ct, string path)
    {
        Span<short> revents = stackalloc short[1];
        return WaitAny([fd], events, ToMilliseconds(timeout), ct, path, revents) > 0 ? revents[0] : (short)0;
    }

    /// <summary>
    /// Waits until any of <paramref name="fds"/> reports <paramref name="events"/> (their revents go to
    /// <paramref name="revents"/>); returns how many did, or 0 when <paramref name="timeoutMs"/> (-1 = forever)
    /// passed. Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    internal static int WaitAny(SafeFdHandle[] fds, short events, int timeoutMs, CancellationToken ct, string path, Span<short> revents)
    {
        ct.ThrowIfCancellationRequested();
        if (!ct.CanBeCanceled || timeoutMs == 0)
            return PollAll(fds, events, null, timeoutMs, path, revents);

        using SafeFdHandle wake = Interop.Libc.eventfd(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
        if (wake.IsInvalid)
            throw Syscall.Error(Syscall.LastErrno, "eventfd", path);
        // Registered after the eventfd exists and disposed before it is closed (using order), so the
        // callback never writes to a closed or reused descriptor. An already-cancelled token runs the
        // callback here, synchronously, and the poll below returns at once.
        using (ct.UnsafeRegister(static state => Signal((SafeFdHandle)state!), wake))
        {
            int ready = PollAll(fds, events, wake, timeoutMs, path, revents);
            ct.ThrowIfCancellationRequested();
            return ready;
        }
    }

    /// <summary>A poll(2) timeout: -1 for infinite, else whole milliseconds rounded up (never wake early).</summary>
    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
            return -1;
        if (timeout <= TimeSpan.Zero)
            return 0;
        return (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }

    private static void Signal(SafeFdHandle wake)
    {
        ulong one = 1;
        // EAGAIN (counter full) cannot happen for one write; any failure only loses the early wake-up,
        // and the wait still ends at its timeout.
        Interop.Libc.write(wake, (byte*)&one, sizeof(ulong));
    }

    /// <summary>
    /// poll(2) over <paramref name="fds"/> plus the optional cancellation eventfd, restarting after EINTR with
    /// the time that is left. Returns the number of ready descriptors (0 on timeout or when only the eventfd fired).
    /// </summary>
    private static int PollAll(SafeFdHandle[] fds, short events, SafeFdHandle? wake, int timeoutMs, string path, Span<short> revents)
    {
        int count = fds.Length + (wake is null ? 0 : 1);
        var added = new bool[count];
        try
        {
            Span<Interop.Poll.pollfd> set = stackalloc Interop.Poll.pollfd[count];
            for (int i = 0; i < fds.Length; i++)
            {
                fds[i].DangerousAddRef(ref added[i]);
                set[i] = new Interop.Poll.pollfd { fd = fds[i].RawFd, events = events };
            }
            if (wake is not null)
            {
                wake.DangerousAddRef(ref added[^1]);
                set[^1] = new Interop.Poll.pollfd { fd = wake.RawFd, events = Interop.Poll.POLLIN };
            }
            long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            fixed (Interop.Poll.pollfd* p = set)
            {
                while (true)
                {
                    int wait = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                    int n = Interop.Libc.poll(p, (nuint)count, wait);
                    if (n >= 0)
                    {
                        if (n == 0 || (wake is not null && set[^1].revents != 0))
                            return 0;
                        for (int i = 0; i < fds.Length; i++)
                            revents[i] = set[i].revents;
                        return n;
                    }
                    int errno = Syscall.LastErrno;
                    if (errno != (int)Errno.EINTR)
                        throw Syscall.Error(errno, "poll", path);
                }
            }
        }
        finally
        {
            for (int i = 0; i < count; i++)
                if (added[i])
                    (i < fds.Length ? fds[i] : wake!).DangerousRelease();
        }
    }
}
