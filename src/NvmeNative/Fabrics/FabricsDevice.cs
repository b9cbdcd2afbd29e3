using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Fabrics;

/// <summary>
/// The real <c>/dev/nvme-fabrics</c>: open O_RDWR, one write(2) of the whole option string, read the reply,
/// close. Errors come back as errno values (no exceptions on this path) so the connector can give each its
/// meaning. Closing the descriptor drops only its reference: the controller stays until deleted.
/// </summary>
internal sealed class FabricsDevice(string path) : IFabricsDevice
{
    public string Path { get; } = path;

    public FabricsExchange Read(Span<byte> reply)
    {
        using var fd = Fd.TryOpen(Path, Interop.Fcntl.O_RDWR, out int errno);
        if (fd is null)
            return FabricsExchange.Failed(FabricsStep.Open, errno);
        return ReadReply(fd, reply);
    }

    public FabricsExchange WriteThenRead(ReadOnlySpan<byte> options, Span<byte> reply)
    {
        using var fd = Fd.TryOpen(Path, Interop.Fcntl.O_RDWR, out int errno);
        if (fd is null)
            return FabricsExchange.Failed(FabricsStep.Open, errno);
        // The kernel creates the controller inside this one call (it can take seconds) and returns the full
        // length or a negative errno; there are no partial writes. EINTR means no controller was registered on
        // this descriptor, so the retry inside TryWrite is safe.
        errno = Fd.TryWrite(fd, options, out _);
        if (errno != 0)
            return FabricsExchange.Failed(FabricsStep.Write, errno);
        return ReadReply(fd, reply);
    }

    // seq_file: the whole reply normally comes in the first read; read until EOF or a full buffer.
    private static FabricsExchange ReadReply(SafeFdHandle fd, Span<byte> reply)
    {
        int errno = Fd.TryReadToEnd(fd, reply, out int length);
        return errno == 0 ? FabricsExchange.Ok(length) : FabricsExchange.Failed(FabricsStep.Read, errno);
    }
}
