using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int mkdir(const char *pathname, mode_t mode); in configfs, mkdir creates a kernel object (an nvmet
    // subsystem, namespace, port or host). EEXIST must stay distinguishable from success, which
    // Directory.CreateDirectory hides.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int mkdir(byte* pathname, uint mode);
}
