using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int open(const char *pathname, int flags, mode_t mode); mode is read only with O_CREAT/O_TMPFILE.
    // pathname is NUL-terminated UTF-8 (see Utf8Path); no string marshalling on this path.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial SafeFdHandle open(byte* pathname, int flags, uint mode);
}
