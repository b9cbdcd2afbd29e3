using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>
/// The volume's device is not on this host: none of its target's controllers reaches the namespace the
/// properties name (os-brick's <c>VolumeDeviceNotFound</c>). Nothing was changed.
/// </summary>
public sealed class VolumeNotFoundException : NvmeNativeException
{
    internal VolumeNotFoundException(string message, string operation, string? path = null)
        : base(message, operation, path)
    {
    }
}
