using System.Runtime.InteropServices;

namespace NvmeNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // int eventfd(unsigned int initval, int flags); a counter descriptor that poll() sees as readable once
        // someone writes to it: how a CancellationToken wakes a thread blocked in poll().
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial SafeFdHandle eventfd(uint initval, int flags);
    }
}
