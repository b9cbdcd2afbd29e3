using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int close(int fd); only SafeFdHandle.ReleaseHandle calls it.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int close(int fd);
}
