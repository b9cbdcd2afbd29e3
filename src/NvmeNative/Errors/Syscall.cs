using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NvmeNative.Errors;

/// <summary>
/// The single errno funnel: every failed system call becomes a <see cref="NvmeNativeException"/> here,
/// with errno read immediately after the call (before anything else can overwrite it).
/// </summary>
internal static class Syscall
{
    /// <summary>The errno of the last [LibraryImport(SetLastError = true)] call on this thread.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    internal static NvmeNativeException Error(int errno, string operation, string? path = null)
    {
        Debug.Assert(errno != (int)Errno.EINTR, "EINTR must be retried by the wrapper, never surfaced");
        return new NvmeNativeException(ErrnoText.Describe(errno), operation, path, errno);
    }
}
