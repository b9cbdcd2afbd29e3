using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // ssize_t write(int fd, const void *buf, size_t count);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial nint write(SafeFdHandle fd, byte* buf, nuint count);
}
