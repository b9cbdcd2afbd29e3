using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
    // statx rather than stat: struct statx has one layout on every architecture, struct stat does not.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int statx(int dirfd, byte* pathname, int flags, uint mask, Stat.statx* statxbuf);
}
