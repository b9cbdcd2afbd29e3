using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int link(const char *oldpath, const char *newpath);
    // Fails with EEXIST instead of replacing newpath: the atomic "create if absent" for a fully written file.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int link(byte* oldpath, byte* newpath);
}
