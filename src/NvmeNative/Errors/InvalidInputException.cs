namespace NvmeNative.Errors;

/// <summary>
/// Input was rejected before anything touched the kernel: a malformed value, a missing key, a value that would
/// inject into the fabrics option string, options that contradict each other, or a device that cannot be used as asked
/// (not a block device, in use, not a member of the array). Like
/// <see cref="ArgumentException.ParamName"/>, <see cref="KeyPath"/> names what was wrong.
/// </summary>
public class InvalidInputException : NvmeNativeException
{
    /// <summary>Creates an invalid-input error.</summary>
    /// <param name="message">Why the value is wrong, for a person (the key path is prefixed for you).</param>
    /// <param name="operation">What was being parsed or validated, e.g. "parse connection properties".</param>
    /// <param name="keyPath">Where the bad value is, e.g. <c>volume_replicas[1].portals[0][1]</c> or <c>queue_size</c>.</param>
    /// <param name="path">The file the value came from (e.g. /etc/nvme/hostnqn) or the device it names (e.g. /dev/nvme1n1), if any.</param>
    /// <param name="innerException">The cause, if any.</param>
    /// <param name="errno">The errno that revealed the problem (EBUSY for a device in use, ENOTBLK for one that is not a block device), if any.</param>
    public InvalidInputException(string message, string operation, string? keyPath = null, string? path = null,
        Exception? innerException = null, int? errno = null)
        : base(string.IsNullOrEmpty(keyPath) ? message : keyPath + ": " + message, operation, path, errno, null, innerException)
    {
        KeyPath = keyPath is null ? null : DisplayText.Escape(keyPath);
        Reason = DisplayText.Escape(SecretRedactor.RedactFreeText(message));
    }

    /// <summary>The key path or option name of the offending value (control characters escaped); empty for the document root; null when not applicable.</summary>
    public string? KeyPath { get; }

    /// <summary>The reason alone, without the operation and key path (secrets masked, control characters escaped).</summary>
    public string Reason { get; }
}
