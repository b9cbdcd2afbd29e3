using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int poll(struct pollfd *fds, nfds_t nfds, int timeout);
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int poll(Poll.pollfd* fds, nuint nfds, int timeout);
}
