using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

internal static partial class Libc
{
    // int ioctl(int fd, unsigned long request, ...); called non-variadically, which the x86_64 and
    // arm64 Linux ABIs allow (Tmds.LibC and dotnet/iot do the same). Two shapes: a pointer to an
    // argument struct, or a plain value (HOT_REMOVE_DISK and SET_DISK_FAULTY take a dev_t by value).
    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static unsafe partial int ioctl(SafeFdHandle fd, nuint request, void* arg);

    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl_value(SafeFdHandle fd, nuint request, nuint value);
}
