using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // ssize_t recv(int sockfd, void *buf, size_t len, int flags);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial nint recv(SafeFdHandle sockfd, byte* buf, nuint len, int flags);
}
