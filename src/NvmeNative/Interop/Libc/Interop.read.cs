using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // ssize_t read(int fd, void *buf, size_t count);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial nint read(SafeFdHandle fd, byte* buf, nuint count);
}
