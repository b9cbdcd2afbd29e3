using System.Runtime.InteropServices;

namespace NvmeNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // int flock(int fd, int operation); the advisory lock mdadm takes on /run/mdadm/map.lock.
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int flock(SafeFdHandle fd, int operation);
    }
}
