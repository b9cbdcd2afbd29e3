using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick connection properties that cannot be attached safely: malformed JSON, a missing key, a value of
/// the wrong type or form, or one that would inject into the fabrics option string. <see cref="InvalidInputException.KeyPath"/>
/// names the offending value, e.g. <c>volume_replicas[1].portals[0][1]</c>. Thrown before any I/O.
/// </summary>
public sealed class InvalidConnectionPropertiesException : InvalidInputException
{
    internal const string ParseOperation = "parse connection properties";

    /// <summary>Creates the error for the value at <paramref name="keyPath"/>.</summary>
    public InvalidConnectionPropertiesException(string keyPath, string message, Exception? innerException = null)
        : base(message, ParseOperation, keyPath, null, innerException)
    {
    }
}
