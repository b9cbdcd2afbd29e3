using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// A connect through <c>/dev/nvme-fabrics</c> failed. <see cref="Failure"/> says what the errno means;
/// <see cref="NvmeNativeException.ConnectString"/> is the option string with secrets masked.
/// </summary>
public sealed class FabricsConnectException : NvmeNativeException
{
    internal FabricsConnectException(ConnectFailure failure, int? errno, string devicePath, FabricsOptions options, string? detail = null)
        : base(ConnectFailures.Meaning(failure) + (detail is null ? "" : ": " + detail), "connect", devicePath, errno, options.ToString())
    {
        Failure = failure;
        Transport = options.Transport;
        SubsystemNqn = options.SubsystemNqn;
        TransportAddress = options.TransportAddress;
        Port = options.Port;
    }

    /// <summary>What the failure means.</summary>
    public ConnectFailure Failure { get; }

    /// <summary>The explanation of <see cref="Failure"/>.</summary>
    public string Meaning => ConnectFailures.Meaning(Failure);

    /// <summary>The transport of the failed connect.</summary>
    public Transport Transport { get; }

    /// <summary>The subsystem the connect was for.</summary>
    public Nqn SubsystemNqn { get; }

    /// <summary>The target address (<c>traddr</c>), if any.</summary>
    public string? TransportAddress { get; }

    /// <summary>The target port (<c>trsvcid</c>), if any.</summary>
    public ushort? Port { get; }
}
