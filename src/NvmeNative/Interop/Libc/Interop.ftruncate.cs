using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int ftruncate(int fd, off_t length); off_t is 64-bit on every 64-bit Linux ABI. Grows a file sparsely.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int ftruncate(SafeFdHandle fd, long length);
}
