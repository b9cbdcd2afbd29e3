namespace NvmeNative.Md;

/// <summary>
/// The request was refused before anything was written or changed in the kernel: a member that is not a block
/// device or is in use, sizes outside the policy, a bad array name, an unknown array.
/// </summary>
public sealed class MdInvalidInputException : MdException
{
    /// <summary>Creates an input error.</summary>
    /// <param name="message">What is wrong with the input.</param>
    /// <param name="operation">The operation that refused it, e.g. "create".</param>
    /// <param name="mdDevice">The md device concerned, if any.</param>
    /// <param name="member">The offending member, if any.</param>
    /// <param name="errno">The errno that revealed the problem (EBUSY for a member in use), if any.</param>
    public MdInvalidInputException(string message, string operation, string? mdDevice = null, string? member = null, int? errno = null)
        : base(message, operation, mdDevice, member, errno)
    {
    }
}
