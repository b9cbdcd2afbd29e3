using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int rename(const char *oldpath, const char *newpath);
    // Atomically replaces newpath (a symlink at newpath is replaced, never followed): the publish step of a durable write.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int rename(byte* oldpath, byte* newpath);
}
