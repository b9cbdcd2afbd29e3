using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int flock(int fd, int operation); the per-host attach lock, shared with other processes.
    // flock (not fcntl locks): it belongs to the open file description, so two handles in one
    // process exclude each other too, and it is released when the descriptor closes, even on a crash.
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int flock(SafeFdHandle fd, int operation);
}
