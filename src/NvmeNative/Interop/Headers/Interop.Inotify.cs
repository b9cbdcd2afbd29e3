namespace NvmeNative.Interop;

/// <summary>sys/inotify.h: a lock waiter is woken when a holder closes the lock file (which releases its flock).</summary>
[CHeader("sys/inotify.h")]
internal static class Inotify
{
    internal const int IN_CLOEXEC = 0x80000;
    internal const int IN_NONBLOCK = 0x800;
    internal const uint IN_CLOSE_WRITE = 0x8;
    internal const uint IN_CLOSE_NOWRITE = 0x10;
}
