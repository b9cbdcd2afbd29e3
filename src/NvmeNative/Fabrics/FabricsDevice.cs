using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Fabrics;

/// <summary>
/// The real <c>/dev/nvme-fabrics</c>: open O_RDWR, one write(2) of the whole option string, read the reply,
/// close. Errors come back as errno values (no exceptions on this path) so the connector can give each its
/// meaning. Closing the descriptor drops only its reference: the controller stays until deleted.
/// </summary>
internal sealed unsafe class FabricsDevice(string path) : IFabricsDevice
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
        fixed (byte* p = options)
        {
            while (true)
            {
                // The kernel creates the controller inside this one call (it can take seconds) and returns the
                // full length or a negative errno; there are no partial writes. EINTR means no controller was
                // registered on this descriptor, so writing again is safe.
                nint n = Interop.Libc.write(fd, p, (nuint)options.Length);
                if (n >= 0)
                    break;
                errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    return FabricsExchange.Failed(FabricsStep.Write, errno);
            }
        }
        return ReadReply(fd, reply);
    }

    private static FabricsExchange ReadReply(SafeFdHandle fd, Span<byte> reply)
    {
        int total = 0;
        fixed (byte* p = reply)
        {
            // seq_file: the whole reply normally comes in the first read; read until EOF or a full buffer.
            while (total < reply.Length)
            {
                nint n = Interop.Libc.read(fd, p + total, (nuint)(reply.Length - total));
                if (n == 0)
                    break;
                if (n < 0)
                {
                    int errno = Syscall.LastErrno;
                    if (errno == (int)Errno.EINTR)
                        continue;
                    return FabricsExchange.Failed(FabricsStep.Read, errno);
                }
                total += (int)n;
            }
        }
        return FabricsExchange.Ok(total);
    }
}
