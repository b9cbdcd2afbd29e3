using NvmeNative.Errors;

namespace NvmeNative.Fabrics;

/// <summary>What a failed write to <c>/dev/nvme-fabrics</c> means, from the errno the kernel returned (nvme-fabrics.md §1.3).</summary>
public enum ConnectFailure
{
    /// <summary>An errno with no specific meaning here; see <see cref="NvmeNativeException.ErrnoName"/>.</summary>
    Other,

    /// <summary>EALREADY: a controller to the same target with the same host identity already exists (live or reconnecting).</summary>
    AlreadyConnected,

    /// <summary>EINVAL: the kernel rejected the options (see dmesg for which one).</summary>
    InvalidOptions,

    /// <summary>EIO: the target answered the Connect command with an error: unknown subsystem NQN, host not allowed, controller busy, or authentication required.</summary>
    TargetRejected,

    /// <summary>ECONNREFUSED: nothing listens at the address and port.</summary>
    ConnectionRefused,

    /// <summary>ETIMEDOUT: no answer (no SYN-ACK within about 3 s, or a TLS handshake timeout).</summary>
    TimedOut,

    /// <summary>EHOSTUNREACH / ENETUNREACH: no route to the target.</summary>
    Unreachable,

    /// <summary>EADDRNOTAVAIL: host_traddr is not an address of this host.</summary>
    HostAddressNotAvailable,

    /// <summary>ENODEV: host_iface does not exist, or the controller never became ready.</summary>
    NoDevice,

    /// <summary>ECONNRESET / ENOTCONN / EAGAIN: the transport handshake (ICReq/ICResp) failed.</summary>
    HandshakeFailed,

    /// <summary>EOPNOTSUPP: the target needs something this host does not do (e.g. in-capsule data offset, secure concatenation).</summary>
    NotSupported,

    /// <summary>ENOKEY: the TLS key or keyring was not found.</summary>
    KeyNotFound,

    /// <summary>EKEYREJECTED / EKEYEXPIRED / EKEYREVOKED: DH-HMAC-CHAP authentication failed.</summary>
    AuthenticationFailed,

    /// <summary>EADDRINUSE: the host NQN was given twice (older kernels).</summary>
    HostNqnInUse,

    /// <summary>EBUSY: the transport module is being unloaded.</summary>
    Busy,

    /// <summary>ENOMEM: out of memory, or an option string longer than a page.</summary>
    OutOfMemory,

    /// <summary>EINTR: interrupted by a fatal signal.</summary>
    Interrupted,

    /// <summary>ENOENT from the write: for FC, no matching local/remote port pair.</summary>
    NoSuchPort,

    /// <summary>The kernel's reply was not <c>instance=N,cntlid=M</c>. A controller may exist that could not be identified.</summary>
    UnparseableReply,
}

/// <summary>Maps errno values to <see cref="ConnectFailure"/> and its explanation.</summary>
internal static class ConnectFailures
{
    internal static ConnectFailure FromErrno(int errno) => (Errno)errno switch
    {
        Errno.EALREADY => ConnectFailure.AlreadyConnected,
        Errno.EINVAL => ConnectFailure.InvalidOptions,
        Errno.EIO => ConnectFailure.TargetRejected,
        Errno.ECONNREFUSED => ConnectFailure.ConnectionRefused,
        Errno.ETIMEDOUT => ConnectFailure.TimedOut,
        Errno.EHOSTUNREACH or Errno.ENETUNREACH => ConnectFailure.Unreachable,
        Errno.EADDRNOTAVAIL => ConnectFailure.HostAddressNotAvailable,
        Errno.ENODEV => ConnectFailure.NoDevice,
        Errno.ECONNRESET or Errno.ENOTCONN or Errno.EAGAIN => ConnectFailure.HandshakeFailed,
        Errno.EOPNOTSUPP => ConnectFailure.NotSupported,
        Errno.ENOKEY => ConnectFailure.KeyNotFound,
        Errno.EKEYREJECTED or Errno.EKEYEXPIRED or Errno.EKEYREVOKED => ConnectFailure.AuthenticationFailed,
        Errno.EADDRINUSE => ConnectFailure.HostNqnInUse,
        Errno.EBUSY => ConnectFailure.Busy,
        Errno.ENOMEM => ConnectFailure.OutOfMemory,
        Errno.EINTR => ConnectFailure.Interrupted,
        Errno.ENOENT => ConnectFailure.NoSuchPort,
        _ => ConnectFailure.Other,
    };

    internal static string Meaning(ConnectFailure failure) => failure switch
    {
        ConnectFailure.AlreadyConnected => "a controller to this target with this host identity already exists (live or reconnecting); pass duplicate_connect to create another",
        ConnectFailure.InvalidOptions => "the kernel rejected the options: an unknown or misplaced option, a value out of range, a transport module that is not available, " +
            "or (Linux 6.5+) a host NQN already registered with a different host ID; dmesg names the reason",
        ConnectFailure.TargetRejected => "the target refused the connection: the subsystem NQN is unknown there, this host is not allowed to connect to it, " +
            "the controller is busy, or authentication is required; dmesg has the NVMe status",
        ConnectFailure.ConnectionRefused => "nothing is listening at that address and port (or, on old kernels, authentication failed)",
        ConnectFailure.TimedOut => "the target did not answer in time (no route that answers, a silent firewall, or a TLS handshake timeout)",
        ConnectFailure.Unreachable => "there is no route to the target address",
        ConnectFailure.HostAddressNotAvailable => "host_traddr is not an address of this host",
        ConnectFailure.NoDevice => "the host interface (host_iface) does not exist, or the controller never became ready",
        ConnectFailure.HandshakeFailed => "the NVMe/TCP connection handshake failed: something accepted the connection but did not answer as an NVMe target",
        ConnectFailure.NotSupported => "the target requires a feature this host does not support",
        ConnectFailure.KeyNotFound => "the TLS pre-shared key or keyring was not found",
        ConnectFailure.AuthenticationFailed => "DH-HMAC-CHAP authentication failed: the secret is wrong, expired or revoked",
        ConnectFailure.HostNqnInUse => "the host NQN was given twice",
        ConnectFailure.Busy => "the transport module is being unloaded; retry",
        ConnectFailure.OutOfMemory => "the kernel ran out of memory (or the option string was longer than a page)",
        ConnectFailure.Interrupted => "the connect was interrupted by a signal",
        ConnectFailure.NoSuchPort => "no matching local and remote port pair (FC)",
        ConnectFailure.UnparseableReply => "the kernel's reply could not be parsed; a controller may have been created that cannot be identified",
        _ => "the kernel refused the connect",
    };
}
