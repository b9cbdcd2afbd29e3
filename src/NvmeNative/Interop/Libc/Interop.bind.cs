using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int bind(SafeFdHandle sockfd, Netlink.sockaddr_nl* addr, uint addrlen);
}
