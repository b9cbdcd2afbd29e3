using System.Runtime.InteropServices;
using NvmeNative.Errors;

namespace NvmeNative.Interop;

/// <summary>
/// Owns one file descriptor. -1 is invalid; 0 is a valid descriptor. Closing is never retried:
/// on Linux the descriptor is released even when close() reports EINTR, and a retry could close
/// a descriptor another thread has just been given.
/// </summary>
internal sealed class SafeFdHandle : SafeHandle
{
    // LibraryImport creates the handle it returns, so the parameterless constructor must be public.
    public SafeFdHandle() : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    internal SafeFdHandle(int fd, bool ownsHandle) : base(invalidHandleValue: -1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => (int)handle < 0;

    /// <summary>The raw descriptor, for logging and for /proc/self/fd checks; never close it yourself.</summary>
    internal int RawFd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.close((int)handle) == 0 || Marshal.GetLastPInvokeError() == (int)Errno.EINTR;
}
