using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

/// <summary>
/// open(2) flags whose values differ between architectures (asm-generic/fcntl.h, used by x86_64, versus
/// arch/arm64/include/uapi/asm/fcntl.h), so they cannot be constants like those of <see cref="Fcntl"/>. The
/// layout check compares the value for the architecture it runs on.
/// </summary>
[CHeader("fcntl.h")]
internal static class FcntlArch
{
    private static bool Arm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>Fail unless the path is a directory (x86_64 0200000, arm64 040000).</summary>
    internal static readonly int O_DIRECTORY = Arm64 ? 0x4000 : 0x10000;

    /// <summary>Fail with ELOOP when the last path component is a symlink (x86_64 0400000, arm64 0100000).</summary>
    internal static readonly int O_NOFOLLOW = Arm64 ? 0x8000 : 0x20000;
}
