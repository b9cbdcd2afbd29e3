using NvmeNative.Errors;
using NvmeNative.Fabrics;

namespace NvmeNative.Connector;

/// <summary>
/// How a volume's controllers behave when their target goes away: how long they keep reconnecting
/// (<c>ctrl_loss_tmo</c>), how often they try (<c>reconnect_delay</c>), when I/O queued for them fails instead of
/// waiting (<c>fast_io_fail_tmo</c>), and how soon a silent target is noticed (<c>keep_alive_tmo</c>). A null field is
/// not sent (the kernel's default), or, in a per-volume override, inherits the connector's setting.
/// <see cref="Timeout.InfiniteTimeSpan"/> sends -1: reconnect for ever, or never fail I/O early.
/// </summary>
/// <remarks>
/// A single volume keeps os-brick's semantics (<see cref="OsBrick"/>): I/O waits while the controller reconnects, for
/// ever. A replica leg of an md RAID1 must instead fail its I/O within seconds so md drops that mirror and the others
/// serve on (<see cref="ReplicaLeg"/>); the controller still reconnects for ever, so the replica can come back and be
/// re-added. The figures behind <see cref="ReplicaLeg"/> were measured in the lab on 6.1 and 6.12 (README).
/// </remarks>
public sealed record ControllerTimeouts
{
    /// <summary><c>ctrl_loss_tmo</c>: how long to keep reconnecting before the controller is removed (whole seconds, or infinite).</summary>
    public TimeSpan? ControllerLossTimeout { get; init; }

    /// <summary><c>reconnect_delay</c>: seconds between reconnect attempts (at least 1; kernel default 10).</summary>
    public TimeSpan? ReconnectDelay { get; init; }

    /// <summary>
    /// <c>fast_io_fail_tmo</c>: after this long without a live path, I/O fails instead of waiting for the reconnect
    /// (0 or more whole seconds; infinite, the kernel's default, never fails it early).
    /// </summary>
    public TimeSpan? FastIoFailTimeout { get; init; }

    /// <summary><c>keep_alive_tmo</c>: the keep-alive timeout that notices a target that went silent (0 or more seconds; kernel default 5).</summary>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>os-brick's controllers: reconnect for ever, everything else the kernel's (I/O waits while reconnecting).</summary>
    public static ControllerTimeouts OsBrick { get; } = new() { ControllerLossTimeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// Replica legs: reconnect for ever, every second; fail I/O as soon as no path is live (<c>fast_io_fail_tmo=0</c>);
    /// notice a silent target within about a second (<c>keep_alive_tmo=1</c>: with 2, a target whose address vanished
    /// stalled a write 9 s on 6.1). Measured in the lab (README, "Replica legs").
    /// </summary>
    public static ControllerTimeouts ReplicaLeg { get; } = new()
    {
        ControllerLossTimeout = Timeout.InfiniteTimeSpan,
        ReconnectDelay = TimeSpan.FromSeconds(1),
        FastIoFailTimeout = TimeSpan.Zero,
        KeepAliveTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>These settings with every field that <paramref name="overrides"/> sets replaced by its value.</summary>
    public ControllerTimeouts With(ControllerTimeouts? overrides) => overrides is null ? this : new ControllerTimeouts
    {
        ControllerLossTimeout = overrides.ControllerLossTimeout ?? ControllerLossTimeout,
        ReconnectDelay = overrides.ReconnectDelay ?? ReconnectDelay,
        FastIoFailTimeout = overrides.FastIoFailTimeout ?? FastIoFailTimeout,
        KeepAliveTimeout = overrides.KeepAliveTimeout ?? KeepAliveTimeout,
    };

    /// <summary>True when no field is set.</summary>
    public bool IsEmpty => ControllerLossTimeout is null && ReconnectDelay is null && FastIoFailTimeout is null && KeepAliveTimeout is null;

    /// <summary>
    /// <paramref name="options"/> with these timeouts (a null field leaves the option as it is; an infinite
    /// <see cref="FastIoFailTimeout"/> is the kernel's default, so it is not sent). Values are range-checked by
    /// <see cref="FabricsOptions"/> (an <see cref="InvalidInputException"/> names the option token).
    /// </summary>
    internal FabricsOptions ApplyTo(FabricsOptions options)
    {
        var result = options;
        if (ControllerLossTimeout is { } loss)
            result = result with { ControllerLossTimeout = loss };
        if (ReconnectDelay is { } delay)
            result = result with { ReconnectDelay = delay };
        if (FastIoFailTimeout is { } fail)
            result = result with { FastIoFailTimeout = fail == Timeout.InfiniteTimeSpan ? null : fail };
        if (KeepAliveTimeout is { } keepAlive)
            result = result with { KeepAliveTimeout = keepAlive };
        return result;
    }

    /// <summary>
    /// What to do when this kernel lacks <c>fast_io_fail_tmo</c> (Linux 5.11), the one timeout option newer than the
    /// kernels the library supports; null for any other option. A replica leg is refused rather than connected without
    /// it: a lost replica would then stall every write to the volume for as long as its controller reconnects, which is
    /// what replica legs exist to prevent; the caller may accept that explicitly.
    /// </summary>
    internal static string? Remedy(FabricsOption option, bool replicaLeg) => option != FabricsOption.FastIoFailTimeout
        ? null
        : replicaLeg
            ? "replica legs use it so that I/O to a lost replica fails and md serves from the other replicas instead of " +
              "stalling the volume. To attach on this kernel anyway, set replica_fast_io_fail_tmo to -1 " +
              "(or NvmeOfConnectorOptions.ReplicaLegTimeouts): writes then wait while a lost replica's controller reconnects, " +
              "as with os-brick (replica_ctrl_loss_tmo bounds that wait by removing the controller; the replica then " +
              "returns only with the next attach)"
            : "set fast_io_fail_tmo to -1 (or leave it unset) on this kernel";

    /// <summary>The options as they would be sent (<c>ctrl_loss_tmo=-1,reconnect_delay=1,...</c>), unset ones left out.</summary>
    public override string ToString()
    {
        static string S(TimeSpan t) => t == Timeout.InfiniteTimeSpan ? "-1" : ((long)t.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var parts = new List<string>();
        if (ControllerLossTimeout is { } a)
            parts.Add("ctrl_loss_tmo=" + S(a));
        if (ReconnectDelay is { } b)
            parts.Add("reconnect_delay=" + S(b));
        if (FastIoFailTimeout is { } c)
            parts.Add("fast_io_fail_tmo=" + S(c));
        if (KeepAliveTimeout is { } d)
            parts.Add("keep_alive_tmo=" + S(d));
        return parts.Count == 0 ? "(kernel defaults)" : string.Join(",", parts);
    }
}
