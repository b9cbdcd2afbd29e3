using NvmeNative.Errors;

namespace NvmeNative.Target;

/// <summary>
/// A target description was rejected before anything was written to configfs: a malformed NQN, a size
/// or NSID out of range, a serial number nvmet would refuse. Nothing was changed in the kernel.
/// </summary>
public sealed class NvmetConfigException : NvmeNativeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the input, for a person.</param>
    /// <param name="operation">The operation that refused it, e.g. "create nvmet subsystem".</param>
    /// <param name="parameter">The name of the offending argument or option.</param>
    public NvmetConfigException(string message, string operation, string parameter)
        : base($"{parameter}: {message}", operation)
    {
        Parameter = parameter;
    }

    /// <summary>The argument or option that was rejected.</summary>
    public string Parameter { get; }
}
