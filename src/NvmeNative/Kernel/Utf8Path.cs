using System.Text;

namespace NvmeNative.Kernel;

/// <summary>NUL-terminated UTF-8 paths for syscalls, encoded into a caller-provided (usually stackalloc) buffer.</summary>
internal static class Utf8Path
{
    /// <summary>Bytes needed for <paramref name="path"/> plus its terminator.</summary>
    internal static int MaxBytes(string path) => Encoding.UTF8.GetMaxByteCount(path.Length) + 1;

    /// <summary>Encodes into <paramref name="buffer"/>; returns the slice including the trailing NUL.</summary>
    internal static Span<byte> Encode(string path, Span<byte> buffer)
    {
        if (path.Contains('\0'))
            throw new ArgumentException("path contains a NUL character", nameof(path));
        int n = Encoding.UTF8.GetBytes(path, buffer);
        buffer[n] = 0;
        return buffer[..(n + 1)];
    }
}
