using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int socket(int domain, int type, int protocol); used for the kernel uevent netlink socket.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial SafeFdHandle socket(int domain, int type, int protocol);
}
