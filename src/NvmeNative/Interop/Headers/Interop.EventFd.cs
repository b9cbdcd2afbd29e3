namespace NvmeNative;

internal static partial class Interop
{
    /// <summary>sys/eventfd.h: flags of eventfd(2).</summary>
    [CHeader("sys/eventfd.h")]
    internal static class EventFd
    {
        internal const int EFD_CLOEXEC = 0x80000;
        internal const int EFD_NONBLOCK = 0x800;
    }
}
