namespace NvmeNative.Kernel;

/// <summary>
/// An eventfd that becomes readable when a <see cref="CancellationToken"/> is cancelled, so a thread blocked in
/// poll(2) on kernel descriptors wakes at once on cancellation instead of polling the token on a timer.
/// </summary>
internal sealed unsafe class CancellationWakeup : IDisposable
{
    private readonly SafeFdHandle? _fd;
    private readonly CancellationTokenRegistration _registration;

    internal CancellationWakeup(CancellationToken token)
    {
        if (!token.CanBeCanceled)
            return;
        _fd = Interop.Libc.eventfd(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
        if (_fd.IsInvalid)
        {
            int errno = Syscall.LastErrno;
            _fd.Dispose();
            throw Syscall.Error(errno, "eventfd");
        }
        _registration = token.Register(Signal);
    }

    /// <summary>The descriptor to add to a poll set with POLLIN, or null when the token can never be cancelled.</summary>
    internal SafeFdHandle? Descriptor => _fd;

    private void Signal()
    {
        ulong one = 1;
        // A failed write can only mean the counter is saturated, which already wakes poll().
        Interop.Libc.write(_fd!, (byte*)&one, sizeof(ulong));
    }

    public void Dispose()
    {
        _registration.Dispose(); // waits for a running Signal, so the descriptor is not closed under it
        _fd?.Dispose();
    }
}
