namespace NvmeNative.Interop;

/// <summary>
/// The generic Linux ioctl request encoding (asm-generic/ioctl.h), shared by x86_64 and arm64:
/// <c>dir &lt;&lt; 30 | size &lt;&lt; 16 | type &lt;&lt; 8 | nr</c>. Request codes are derived from the argument
/// struct's real size so a struct that drifts changes its code, and the header test catches both.
/// </summary>
internal static class IoctlCode
{
    private const int NrShift = 0;
    private const int TypeShift = 8;
    private const int SizeShift = 16;
    private const int DirShift = 30;
    private const uint SizeMask = (1u << 14) - 1;

    internal const uint DirNone = 0;
    internal const uint DirWrite = 1;
    internal const uint DirRead = 2;

    internal static uint Ioc(uint dir, byte type, byte nr, uint size)
    {
        if (size > SizeMask)
            throw new ArgumentOutOfRangeException(nameof(size), size, "ioctl argument size does not fit in 14 bits");
        return (dir << DirShift) | (size << SizeShift) | ((uint)type << TypeShift) | ((uint)nr << NrShift);
    }

    /// <summary>_IO(type, nr): no argument struct.</summary>
    internal static uint IO(byte type, byte nr) => Ioc(DirNone, type, nr, 0);

    /// <summary>_IOR(type, nr, T): the kernel writes a T to user space.</summary>
    internal static unsafe uint IOR<T>(byte type, byte nr) where T : unmanaged => Ioc(DirRead, type, nr, (uint)sizeof(T));

    /// <summary>_IOW(type, nr, T): the kernel reads a T from user space.</summary>
    internal static unsafe uint IOW<T>(byte type, byte nr) where T : unmanaged => Ioc(DirWrite, type, nr, (uint)sizeof(T));

    /// <summary>_IOWR(type, nr, T): both directions.</summary>
    internal static unsafe uint IOWR<T>(byte type, byte nr) where T : unmanaged => Ioc(DirRead | DirWrite, type, nr, (uint)sizeof(T));
}
