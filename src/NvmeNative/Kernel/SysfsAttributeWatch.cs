using System.Text;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Watches one sysfs attribute that the kernel signals with sysfs_notify(): read it (which arms the
/// notification), poll() for POLLPRI|POLLERR, then re-read it with pread at offset 0. The descriptor stays
/// open between reads, so no notification between a read and the next poll is lost.
/// </summary>
internal sealed class SysfsAttributeWatch : IDisposable
{
    private const int PageSize = 4096;
    private readonly SafeFdHandle _fd;
    private readonly byte[] _buffer = new byte[PageSize];

    private SysfsAttributeWatch(string path, SafeFdHandle fd)
    {
        Path = path;
        _fd = fd;
        Value = ReadNow();
    }

    /// <summary>The attribute's path.</summary>
    internal string Path { get; }

    /// <summary>The value as last read (trailing newline removed).</summary>
    internal string Value { get; private set; }

    /// <summary>Opens the attribute and reads its current value.</summary>
    internal static SysfsAttributeWatch Open(string path)
    {
        SafeFdHandle fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        try
        {
            return new SysfsAttributeWatch(path, fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Blocks until the kernel notifies the attribute, then re-reads <see cref="Value"/> and returns true;
    /// returns false when the timeout passed first. A notification may carry the same value again.
    /// </summary>
    internal bool WaitForChange(TimeSpan timeout, CancellationToken ct)
    {
        short revents = CancellablePoll.Wait(_fd, Interop.Poll.POLLPRI | Interop.Poll.POLLERR, timeout, ct, Path);
        if (revents == 0)
            return false;
        Value = ReadNow();
        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _fd.Dispose();

    private string ReadNow()
    {
        int n = Fd.PRead(_fd, _buffer, 0, Path);
        ReadOnlySpan<byte> content = _buffer.AsSpan(0, n);
        if (!content.IsEmpty && content[^1] == (byte)'\n')
            content = content[..^1];
        return Encoding.UTF8.GetString(content);
    }
}
