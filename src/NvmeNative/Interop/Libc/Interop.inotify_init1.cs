using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int inotify_init1(int flags); a descriptor that becomes readable when a watched file is closed (the lock wait).
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial SafeFdHandle inotify_init1(int flags);
}
