using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial nint pwrite(SafeFdHandle fd, byte* buf, nuint count, long offset);
}
