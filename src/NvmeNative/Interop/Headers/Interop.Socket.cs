namespace NvmeNative.Interop;

/// <summary>Socket constants used by the uevent netlink listener.</summary>
[CHeader("sys/socket.h")]
internal static class Socket
{
    internal const int AF_NETLINK = 16;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int MSG_DONTWAIT = 0x40;
}
