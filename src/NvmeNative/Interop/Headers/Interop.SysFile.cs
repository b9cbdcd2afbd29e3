namespace NvmeNative.Interop;

/// <summary>sys/file.h: flock(2) operations.</summary>
[CHeader("sys/file.h")]
internal static class SysFile
{
    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;
}
