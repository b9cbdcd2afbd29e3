namespace NvmeNative.Md;

/// <summary>A wait on md state (resync, recovery, degraded count) reached its deadline; the message says what was awaited and what was seen last.</summary>
public sealed class MdTimeoutException : MdException
{
    /// <summary>Creates a timeout error.</summary>
    /// <param name="message">What was awaited and the last state seen.</param>
    /// <param name="operation">The waiting operation.</param>
    /// <param name="mdDevice">The md device waited on.</param>
    public MdTimeoutException(string message, string operation, string mdDevice)
        : base(message, operation, mdDevice, member: null, errno: (int)NvmeNative.Errors.Errno.ETIMEDOUT)
    {
    }
}
