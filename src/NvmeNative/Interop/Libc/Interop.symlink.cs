using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int symlink(const char *target, const char *linkpath); in configfs a link between two items is a
    // kernel action (nvmet: a subsystem exported on a port, a host allowed on a subsystem).
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int symlink(byte* target, byte* linkpath);
}
