using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.Kernel;

/// <summary>
/// Reads and writes single sysfs/configfs attributes. An attribute fits in one page, so a read is one
/// read(2) at offset 0 into a stack buffer (no FileStream buffering), and a write is one write(2): the
/// kernel's store handler sees exactly the bytes we give it, in one call.
/// </summary>
internal static class SysfsFile
{
    private const int PageSize = 4096;

    /// <summary>The attribute's content with the trailing newline removed.</summary>
    internal static string Read(string path)
    {
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        Span<byte> buffer = stackalloc byte[PageSize];
        int n = Fd.Read(fd, buffer, path);
        return Decode(buffer[..n]);
    }

    /// <summary>Like <see cref="Read"/>, but null when the attribute does not exist (ENOENT/ENODEV/ENXIO).</summary>
    internal static string? TryRead(string path)
    {
        using var fd = Fd.TryOpen(path, Interop.Fcntl.O_RDONLY, out int errno);
        if (fd is null)
            return errno is (int)Errno.ENOENT or (int)Errno.ENODEV or (int)Errno.ENXIO or (int)Errno.ENOTDIR
                ? null
                : throw Syscall.Error(errno, "open", path);
        Span<byte> buffer = stackalloc byte[PageSize];
        try
        {
            return Decode(buffer[..Fd.Read(fd, buffer, path)]);
        }
        catch (NvmeNativeException e) when (e.Errno is NvmeNative.Errors.Errno.ENODEV or NvmeNative.Errors.Errno.ENXIO)
        {
            return null; // the object went away between open and read
        }
    }

    /// <summary>
    /// Whether the attribute's content, without trailing white space, is exactly <paramref name="expected"/> (UTF-8,
    /// ordinal); false when it does not exist. Compares bytes in a stack buffer: no string is made of the content, so
    /// a scan that compares one attribute of many objects (the NQN of every subsystem) allocates nothing per object
    /// beyond the path.
    /// </summary>
    internal static bool ContentIs(string path, ReadOnlySpan<byte> expected)
    {
        using var fd = Fd.TryOpen(path, Interop.Fcntl.O_RDONLY, out int errno);
        if (fd is null)
            return errno is (int)Errno.ENOENT or (int)Errno.ENODEV or (int)Errno.ENXIO or (int)Errno.ENOTDIR
                ? false
                : throw Syscall.Error(errno, "open", path);
        Span<byte> buffer = stackalloc byte[PageSize];
        int errnoRead = Fd.TryRead(fd, buffer, out int n);
        if (errnoRead is (int)Errno.ENODEV or (int)Errno.ENXIO)
            return false; // the object went away between open and read
        if (errnoRead != 0)
            throw Syscall.Error(errnoRead, "read", path);
        return buffer[..n].TrimEnd(" \t\n\r\0"u8).SequenceEqual(expected);
    }

    /// <summary>Writes the value in one write(2) call (no trailing newline is added).</summary>
    internal static void Write(string path, string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= PageSize ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(value, buffer);
        using var fd = Fd.Open(path, Interop.Fcntl.O_WRONLY);
        int written = Fd.Write(fd, buffer[..n], path);
        if (written != n)
            throw new NvmeNativeException($"short write: {written} of {n} bytes", "write", path);
    }

    private static string Decode(ReadOnlySpan<byte> content)
    {
        if (!content.IsEmpty && content[^1] == (byte)'\n')
            content = content[..^1];
        return Encoding.UTF8.GetString(content);
    }
}
