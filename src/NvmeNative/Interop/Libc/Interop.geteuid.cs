using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // uid_t geteuid(void); always succeeds. Owner check of private state directories.
    [LibraryImport(Libraries.Libc)]
    internal static partial uint geteuid();
}
