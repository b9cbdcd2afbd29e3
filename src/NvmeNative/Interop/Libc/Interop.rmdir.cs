using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int rmdir(const char *pathname); in configfs, rmdir destroys the kernel object (never recursive:
    // configfs refuses while user-made children exist, and attribute files cannot be unlinked).
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int rmdir(byte* pathname);
}
