using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int unlink(const char *pathname); removes a configfs link (dropping the kernel association) or a file.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int unlink(byte* pathname);
}
