namespace NvmeNative.Interop;

internal static class Libraries
{
    // "libc", not "libc.so.6", so the library runs on glibc and musl alike. The runtime resolves the name once per
    // process, after probing variants of it (libc.so, liblibc.so) in each library directory: about 45 failed opens on
    // a Debian host, noticeable only in a short-lived process, so the native CLI binds libc at link time instead
    // (DirectPInvoke in NvmeNative.Cli.csproj). The kernel UAPI below does not depend on the C library.
    internal const string Libc = "libc";
}
