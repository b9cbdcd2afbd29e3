using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Awaits readiness of descriptors the runtime's socket engine cannot watch (sysfs attributes md notifies, an
/// inotify descriptor) without holding a thread per wait: one background thread, started on first use, polls every
/// registered descriptor plus an eventfd that wakes it when the set changes, and completes each waiter's task when its
/// descriptor is ready. A waiter whose timeout passes or whose token fires leaves the set at once. (The netlink uevent
/// socket does not need this: it is a socket, awaited through <see cref="System.Net.Sockets.Socket"/>.)
/// </summary>
internal static class FdReadiness
{
    private const string Name = "descriptor readiness";
    private static readonly Lock Gate = new();
    private static readonly List<Waiter> Waiters = [];
    private static SafeFdHandle? _wake;

    /// <summary>
    /// Completes with true when any of <paramref name="fds"/> reports <paramref name="events"/>, false when
    /// <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: none) passed first; throws
    /// <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires. No thread is blocked meanwhile.
    /// </summary>
    internal static async Task<bool> WaitAsync(SafeFdHandle[] fds, short events, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (timeout == TimeSpan.Zero)
            return PollNow(fds, events);
        var waiter = new Waiter(fds, events);
        Add(waiter);
        await using var cancel = ct.UnsafeRegister(static (state, token) => ((Waiter)state!).TrySetCanceled(token), waiter).ConfigureAwait(false);
        await using var timer = timeout == Timeout.InfiniteTimeSpan ? null
            : new Timer(static state => ((Waiter)state!).TrySetResult(false), waiter, timeout, Timeout.InfiniteTimeSpan);
        try
        {
            return await waiter.Task.ConfigureAwait(false);
        }
        finally
        {
            Remove(waiter);
        }
    }

    /// <summary>One poll(2) that does not block: whether any descriptor is ready now.</summary>
    private static bool PollNow(SafeFdHandle[] fds, short events)
    {
        Span<short> revents = stackalloc short[fds.Length];
        return CancellablePoll.WaitAny(fds, events, 0, CancellationToken.None, Name, revents) > 0;
    }

    private static void Add(Waiter waiter)
    {
        lock (Gate)
        {
            if (_wake is null)
            {
                var wake = Interop.Libc.eventfd(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
                if (wake.IsInvalid)
                    throw Syscall.Error(Syscall.LastErrno, "eventfd", Name);
                _wake = wake;
                new Thread(Run) { IsBackground = true, Name = "nvmenative-fd-wait" }.Start();
            }
            Waiters.Add(waiter);
        }
        Wake();
    }

    private static void Remove(Waiter waiter)
    {
        lock (Gate)
            Waiters.Remove(waiter);
        Wake();
    }

    private static unsafe void Wake()
    {
        ulong one = 1;
        // A full counter (impossible for single increments) or any failure only delays the rebuild to the next wake.
        Interop.Libc.write(_wake!, (byte*)&one, sizeof(ulong));
    }

    /// <summary>The poller: rebuild the set, poll it with the eventfd, complete the waiters whose descriptors are ready.</summary>
    private static void Run()
    {
        var wake = _wake!;
        while (true)
        {
            Waiter[] waiting;
            lock (Gate)
                waiting = [.. Waiters.Where(w => !w.Task.IsCompleted)];
            foreach (var closed in waiting.Where(w => w.Fds.Any(fd => fd.IsClosed)))
                closed.TrySetException(new ObjectDisposedException(Name, "a descriptor was closed while it was awaited"));
            waiting = [.. waiting.Where(w => !w.Task.IsCompleted)];
            var fds = new List<SafeFdHandle> { wake };
            var owners = new List<Waiter?> { null };
            foreach (var waiter in waiting)
            {
                foreach (var fd in waiter.Fds)
                {
                    fds.Add(fd);
                    owners.Add(waiter);
                }
            }
            var events = new short[fds.Count];
            for (int i = 0; i < events.Length; i++)
                events[i] = owners[i]?.Events ?? Interop.Poll.POLLIN;
            try
            {
                var ready = PollOnce(fds, events);
                for (int i = 1; i < ready.Length; i++)
                    if (ready[i] != 0)
                        owners[i]!.TrySetResult(true);
                if (ready[0] != 0)
                    Drain(wake);
            }
            catch (Exception e)
            {
                // poll itself failed (not expected): fail every waiter rather than leave them hanging.
                foreach (var waiter in waiting)
                    waiter.TrySetException(e);
                Drain(wake);
            }
        }
    }

    private static unsafe short[] PollOnce(List<SafeFdHandle> fds, short[] events)
    {
        var added = new bool[fds.Count];
        var set = new Interop.Poll.pollfd[fds.Count];
        try
        {
            for (int i = 0; i < fds.Count; i++)
            {
                fds[i].DangerousAddRef(ref added[i]);
                set[i] = new Interop.Poll.pollfd { fd = fds[i].RawFd, events = events[i] };
            }
            fixed (Interop.Poll.pollfd* p = set)
            {
                while (Interop.Libc.poll(p, (nuint)set.Length, -1) < 0)
                {
                    int errno = Syscall.LastErrno;
                    if (errno != (int)Errno.EINTR)
                        throw Syscall.Error(errno, "poll", Name);
                }
            }
            var revents = new short[set.Length];
            for (int i = 0; i < set.Length; i++)
                revents[i] = set[i].revents;
            return revents;
        }
        finally
        {
            for (int i = 0; i < fds.Count; i++)
                if (added[i])
                    fds[i].DangerousRelease();
        }
    }

    private static unsafe void Drain(SafeFdHandle wake)
    {
        ulong value;
        Interop.Libc.read(wake, (byte*)&value, sizeof(ulong));
    }

    private sealed class Waiter(SafeFdHandle[] fds, short events) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        internal SafeFdHandle[] Fds { get; } = fds;

        internal short Events { get; } = events;
    }
}
