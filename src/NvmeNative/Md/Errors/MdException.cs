using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>
/// A failed md operation. Besides the operation, errno and path of every <see cref="NvmeNativeException"/>, it
/// names the md device (<c>/dev/mdX</c>) and the member block device involved, when there is one.
/// </summary>
public class MdException : NvmeNativeException
{
    /// <summary>Creates an md failure.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="operation">What was being done, e.g. "ioctl ADD_NEW_DISK".</param>
    /// <param name="mdDevice">The md device node, e.g. /dev/md127, or null before one exists.</param>
    /// <param name="member">The member block device, e.g. /dev/nvme1n1, or null.</param>
    /// <param name="errno">The kernel's errno, when a system call failed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public MdException(string message, string operation, string? mdDevice = null, string? member = null, int? errno = null,
        Exception? innerException = null)
        : base(Describe(message, mdDevice, member), operation, mdDevice ?? member, errno, connectString: null, innerException)
    {
        MdDevice = mdDevice;
        Member = member;
    }

    /// <summary>The md device node (/dev/mdX), or null when the failure happened before one was allocated.</summary>
    public string? MdDevice { get; }

    /// <summary>The member block device involved, or null when the failure concerns the array as a whole.</summary>
    public string? Member { get; }

    private static string Describe(string message, string? mdDevice, string? member) =>
        member is not null && mdDevice is not null ? $"{message} (member {member})" : message;
}
