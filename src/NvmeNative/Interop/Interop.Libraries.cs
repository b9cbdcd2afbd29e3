namespace NvmeNative.Interop;

internal static class Libraries
{
    // "libc", not "libc.so.6": the runtime probes libc.so, which resolves on glibc and musl alike.
    // The kernel UAPI below does not depend on the C library, so nothing here ties us to glibc.
    internal const string Libc = "libc";
}
