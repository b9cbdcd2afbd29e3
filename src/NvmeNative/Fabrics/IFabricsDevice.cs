using NvmeNative.Errors;

namespace NvmeNative.Fabrics;

/// <summary>Which step of a /dev/nvme-fabrics exchange failed.</summary>
internal enum FabricsStep
{
    None,
    Open,
    Write,
    Read,
}

/// <summary>The outcome of one exchange on a fresh descriptor: the failed step and its errno, or the reply length.</summary>
internal readonly record struct FabricsExchange(FabricsStep FailedStep, int Errno, int ReplyLength)
{
    internal bool Succeeded => FailedStep == FabricsStep.None;

    internal static FabricsExchange Ok(int replyLength) => new(FabricsStep.None, 0, replyLength);

    internal static FabricsExchange Failed(FabricsStep step, int errno) => new(step, errno, 0);
}

/// <summary>
/// The seam between <see cref="FabricsConnector"/> and the character device, so unit tests can record the exact
/// bytes written and script replies and errnos. Each call uses its own fresh descriptor: the kernel allows one
/// controller per descriptor, and a read before any write lists the supported options.
/// </summary>
internal interface IFabricsDevice
{
    /// <summary>The device path, for messages.</summary>
    string Path { get; }

    /// <summary>Opens a fresh descriptor and reads it without writing (the supported-options listing).</summary>
    FabricsExchange Read(Span<byte> reply);

    /// <summary>Opens a fresh descriptor, writes <paramref name="options"/> in one write(2), then reads the reply.</summary>
    FabricsExchange WriteThenRead(ReadOnlySpan<byte> options, Span<byte> reply);
}
