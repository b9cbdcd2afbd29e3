using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // ssize_t pread(int fd, void *buf, size_t count, off_t offset); off_t is 64-bit on every 64-bit Linux ABI.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial nint pread(SafeFdHandle fd, byte* buf, nuint count, long offset);
}
