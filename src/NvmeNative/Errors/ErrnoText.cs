using System.Runtime.InteropServices;

namespace NvmeNative.Errors;

/// <summary>Names and descriptions of errno values, for messages.</summary>
internal static class ErrnoText
{
    internal static string Name(int errno) =>
        Enum.IsDefined(typeof(Errno), errno) ? ((Errno)errno).ToString() : $"errno {errno}";

    /// <summary>strerror(3) text from the C library.</summary>
    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
