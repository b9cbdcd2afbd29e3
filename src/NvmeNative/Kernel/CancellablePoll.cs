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
        ct.ThrowIfCancellationRequested();
        int timeoutMs = ToMilliseconds(timeout);
        if (!ct.CanBeCanceled || timeoutMs == 0)
            return Fd.Poll(fd, events, timeoutMs, path);

        using SafeFdHandle wake = Interop.Libc.eventfd(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
        if (wake.IsInvalid)
            throw Syscall.Error(Syscall.LastErrno, "eventfd", path);
        // Registered after the eventfd exists and disposed before it is closed (using order), so the
        // callback never writes to a closed or reused descriptor. An already-cancelled token runs the
        // callback here, synchronously, and the poll below returns at once.
        using (ct.UnsafeRegister(static state => Signal((SafeFdHandle)state!), wake))
        {
            short revents = PollBoth(fd, events, wake, timeoutMs, path);
            ct.ThrowIfCancellationRequested();
            return revents;
        }
    }

    /// <summary>A poll(2) timeout: -1 for infinite, else whole milliseconds rounded up (never wake early).</summary>
    internal static int ToMilliseconds(TimeSpan timeout)
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

    private static short PollBoth(SafeFdHandle fd, short events, SafeFdHandle wake, int timeoutMs, string path)
    {
        bool fdAdded = false, wakeAdded = false;
        fd.DangerousAddRef(ref fdAdded);
        wake.DangerousAddRef(ref wakeAdded);
        try
        {
            long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            Interop.Poll.pollfd* fds = stackalloc Interop.Poll.pollfd[2];
            while (true)
            {
                fds[0] = new Interop.Poll.pollfd { fd = (int)fd.DangerousGetHandle(), events = events };
                fds[1] = new Interop.Poll.pollfd { fd = (int)wake.DangerousGetHandle(), events = Interop.Poll.POLLIN };
                int wait = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                int n = Interop.Libc.poll(fds, 2, wait);
                if (n > 0)
                    return fds[1].revents != 0 ? (short)0 : fds[0].revents;
                if (n == 0)
                    return 0;
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    throw Syscall.Error(errno, "poll", path);
            }
        }
        finally
        {
            if (wakeAdded)
                wake.DangerousRelease();
            if (fdAdded)
                fd.DangerousRelease();
        }
    }
}
