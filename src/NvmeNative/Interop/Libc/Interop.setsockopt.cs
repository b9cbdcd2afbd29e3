using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int setsockopt(SafeFdHandle sockfd, int level, int optname, void* optval, uint optlen);
}
