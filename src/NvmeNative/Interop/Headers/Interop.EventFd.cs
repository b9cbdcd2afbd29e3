namespace NvmeNative.Interop;

/// <summary>sys/eventfd.h: the descriptor a cancellation writes to, so a blocked poll() returns at once.</summary>
[CHeader("sys/eventfd.h")]
internal static class EventFd
{
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;
}
