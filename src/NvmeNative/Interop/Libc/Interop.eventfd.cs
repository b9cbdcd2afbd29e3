using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int eventfd(unsigned int initval, int flags); wakes a poll() when a wait is cancelled.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial SafeFdHandle eventfd(uint initval, int flags);
}
