namespace NvmeNative.Errors;

/// <summary>
/// Bad input for an md operation (array name, uuid, member sizes, device count), reported before anything
/// is written to a device or asked of the kernel.
/// </summary>
public class MdArgumentException : NvmeNativeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the value and what is allowed.</param>
    /// <param name="parameter">The name of the offending input, e.g. "name" or "members".</param>
    /// <param name="path">The device involved, if any.</param>
    public MdArgumentException(string message, string parameter, string? path = null)
        : base(message, "validate md " + parameter, path)
    {
        Parameter = parameter;
    }

    /// <summary>The name of the offending input.</summary>
    public string Parameter { get; }
}
