using System.Diagnostics;
using System.Net.Sockets;
using NetSocket = System.Net.Sockets.Socket;
using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Listens to the kernel's own uevents: a NETLINK_KOBJECT_UEVENT datagram socket bound to multicast
/// group 1 (kernel events; group 2 is udev's re-broadcast, which needs a running udevd and arrives later).
/// Only events sent after <see cref="Open"/> returns are seen, so open it before checking the state you
/// wait for. No privilege is needed to listen.
/// </summary>
/// <remarks>
/// The socket is also a <see cref="System.Net.Sockets.Socket"/> (over the same descriptor, through
/// <see cref="SafeSocketHandle"/>; the runtime accepts AF_NETLINK as an unknown family, checked on .NET 10): its
/// <c>ReceiveAsync</c> is awaited on the runtime's own epoll engine, so <see cref="ReceiveAsync"/> blocks no thread.
/// <see cref="Receive"/> polls the same descriptor from the calling thread.
/// </remarks>
internal sealed class UeventListener : IUeventSource
{
    private const uint KernelEventsGroup = 1;
    private const string Name = "netlink uevent socket";

    // A kernel uevent is at most UEVENT_BUFFER_SIZE (2048) bytes of KEY=VALUE plus the ACTION@DEVPATH header.
    private const int DatagramBytes = 8192;

    // A burst of namespace adds on a busy host must not overflow the socket: ask for a larger buffer
    // (SO_RCVBUFFORCE needs CAP_NET_ADMIN; SO_RCVBUF is capped by net.core.rmem_max). An overflow is
    // still handled: it is reported, and waiters re-check the state.
    private const int ReceiveBufferBytes = 4 << 20;

    private SafeFdHandle _socket;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(DatagramBytes, pinned: true);
    private NetSocket? _async;

    private UeventListener(SafeFdHandle socket) => _socket = socket;

    /// <summary>Opens and binds the socket. Events from here on are queued until <see cref="Receive"/>.</summary>
    internal static unsafe UeventListener Open()
    {
        SafeFdHandle socket = Interop.Libc.socket(Interop.Socket.AF_NETLINK,
            Interop.Socket.SOCK_DGRAM | Interop.Socket.SOCK_CLOEXEC, Interop.Netlink.NETLINK_KOBJECT_UEVENT);
        if (socket.IsInvalid)
        {
            int errno = Syscall.LastErrno;
            socket.Dispose();
            throw Syscall.Error(errno, "socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", Name);
        }
        try
        {
            EnlargeReceiveBuffer(socket);
            var address = new Interop.Netlink.sockaddr_nl
            {
                nl_family = Interop.Socket.AF_NETLINK,
                nl_pid = 0, // the kernel assigns a unique port id
                nl_groups = KernelEventsGroup,
            };
            if (Interop.Libc.bind(socket, &address, (uint)sizeof(Interop.Netlink.sockaddr_nl)) < 0)
                throw Syscall.Error(Syscall.LastErrno, "bind(NETLINK_KOBJECT_UEVENT group 1)", Name);
            return new UeventListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public unsafe UeventReceipt Receive(TimeSpan timeout, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - Stopwatch.GetElapsedTime(start);
            if (left < TimeSpan.Zero)
                left = TimeSpan.Zero;
            short revents = CancellablePoll.Wait(_socket, Interop.Poll.POLLIN, left, ct, Name);
            if (revents == 0)
                return UeventReceipt.TimedOut;
            if ((revents & Interop.Poll.POLLIN) == 0)
                throw new NvmeNativeException($"poll reported 0x{revents:x} without data", "poll", Name);

            fixed (byte* p = _buffer)
            {
                nint n = Interop.Libc.recv(_socket, p, (nuint)_buffer.Length, Interop.Socket.MSG_DONTWAIT);
                if (n < 0)
                {
                    int errno = Syscall.LastErrno;
                    if (errno == (int)Errno.ENOBUFS)
                        return UeventReceipt.Overflow;
                    if (errno is (int)Errno.EAGAIN or (int)Errno.EINTR)
                        continue;
                    throw Syscall.Error(errno, "recv", Name);
                }
                if (UeventMessage.Parse(_buffer.AsSpan(0, (int)n)) is { } message)
                    return UeventReceipt.Of(message);
                // not a kernel uevent: keep waiting for the time that is left
            }
            if (left == TimeSpan.Zero)
                return UeventReceipt.TimedOut;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<UeventReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (timeout == TimeSpan.Zero)
            return Receive(TimeSpan.Zero, ct);
        var socket = _async ??= AdoptIntoSocket();
        using var bounded = timeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded?.CancelAfter(timeout);
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, bounded?.Token ?? ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return UeventReceipt.TimedOut;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                return UeventReceipt.Overflow;
            }
            catch (SocketException e)
            {
                throw Syscall.Error(e.NativeErrorCode, "recv", Name);
            }
            if (UeventMessage.Parse(_buffer.AsSpan(0, n)) is { } message)
                return UeventReceipt.Of(message);
            // not a kernel uevent: keep waiting for the time that is left
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _socket.Dispose();
        _async?.Dispose();
    }

    /// <summary>
    /// Hands the descriptor to a <see cref="Socket"/> on the first awaited receive. The Socket owns it from then on (so
    /// its close also leaves the runtime's epoll engine), and <see cref="_socket"/> becomes a view that does not close it.
    /// </summary>
    private NetSocket AdoptIntoSocket()
    {
        nint fd = _socket.DangerousGetHandle();
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        NetSocket socket;
        try
        {
            socket = new NetSocket(handle);
        }
        catch (SocketException e)
        {
            handle.SetHandleAsInvalid(); // still ours: it must not close the descriptor
            throw Syscall.Error(e.NativeErrorCode, "socket (async)", Name);
        }
        _socket.SetHandleAsInvalid();
        _socket = new SafeFdHandle((int)fd, ownsHandle: false);
        return socket;
    }

    private static unsafe void EnlargeReceiveBuffer(SafeFdHandle socket)
    {
        int size = ReceiveBufferBytes;
        if (Interop.Libc.setsockopt(socket, Interop.Socket.SOL_SOCKET, Interop.Socket.SO_RCVBUFFORCE, &size, sizeof(int)) == 0)
            return;
        // Not privileged: the plain option is capped by rmem_max but still helps. Failing both is harmless.
        Interop.Libc.setsockopt(socket, Interop.Socket.SOL_SOCKET, Interop.Socket.SO_RCVBUF, &size, sizeof(int));
    }
}
