using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int inotify_add_watch(int fd, const char *pathname, uint32_t mask); pathname is NUL-terminated UTF-8.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int inotify_add_watch(SafeFdHandle fd, byte* pathname, uint mask);
}
