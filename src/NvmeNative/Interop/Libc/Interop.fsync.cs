using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int fsync(int fd); on a block device it flushes the page cache and the device write cache.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int fsync(SafeFdHandle fd);
}
