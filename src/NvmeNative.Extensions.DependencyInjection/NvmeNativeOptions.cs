using NvmeNative.Connector;
using NvmeNative.Monitoring;

namespace NvmeNative.Extensions.DependencyInjection;

/// <summary>
/// NvmeNative's settings as configuration binds them (section <see cref="SectionName"/>) and
/// <c>services.Configure&lt;NvmeNativeOptions&gt;</c> sets them. The library's own option records
/// (<see cref="NvmeOfConnectorOptions"/>, <see cref="ReplicaMonitorOptions"/>) stay immutable, so a running connector's
/// settings cannot change under it; this class is their mutable, bindable form, turned into them once when the
/// connector is created. Unset values keep the library's defaults.
/// </summary>
public sealed class NvmeNativeOptions
{
    /// <summary>The configuration section bound by default: <c>NvmeNative</c>.</summary>
    public const string SectionName = "NvmeNative";

    private static readonly NvmeOfConnectorOptions Defaults = new();

    /// <summary>See <see cref="NvmeOfConnectorOptions.DeviceTimeout"/> (<c>"00:00:30"</c>).</summary>
    public TimeSpan DeviceTimeout { get; set; } = Defaults.DeviceTimeout;

    /// <summary>See <see cref="NvmeOfConnectorOptions.PathsTimeout"/>.</summary>
    public TimeSpan PathsTimeout { get; set; } = Defaults.PathsTimeout;

    /// <summary>See <see cref="NvmeOfConnectorOptions.ReconnectTimeout"/>.</summary>
    public TimeSpan ReconnectTimeout { get; set; } = Defaults.ReconnectTimeout;

    /// <summary>See <see cref="NvmeOfConnectorOptions.LockTimeout"/> (<c>-00:00:00.001</c>, <see cref="Timeout.InfiniteTimeSpan"/>, waits for ever).</summary>
    public TimeSpan LockTimeout { get; set; } = Defaults.LockTimeout;

    /// <summary>See <see cref="NvmeOfConnectorOptions.LockFile"/>; null for the default.</summary>
    public string? LockFile { get; set; }

    /// <summary>See <see cref="NvmeOfConnectorOptions.UseMultipath"/>.</summary>
    public bool UseMultipath { get; set; } = Defaults.UseMultipath;

    /// <summary>See <see cref="NvmeOfConnectorOptions.HealReplicas"/>.</summary>
    public bool HealReplicas { get; set; } = Defaults.HealReplicas;

    /// <summary>
    /// The replica-state store as a URI, as the CLI's <c>--state-store</c> takes it: <c>file:DIR</c> or
    /// <c>etcd:http://HOST:PORT[,...][?prefix=/P]</c>. Null: the host-local file store. A store registered in the
    /// container before <c>AddNvmeNative</c> (an <see cref="NvmeNative.ReplicaState.IReplicaStateStore"/>) takes precedence.
    /// </summary>
    public string? ReplicaStateStore { get; set; }

    /// <summary>Overrides of the single-volume controller timeouts (<see cref="NvmeOfConnectorOptions.SingleVolumeTimeouts"/>).</summary>
    public ControllerTimeoutSettings SingleVolumeTimeouts { get; set; } = new();

    /// <summary>Overrides of the replica legs' controller timeouts (<see cref="NvmeOfConnectorOptions.ReplicaLegTimeouts"/>).</summary>
    public ControllerTimeoutSettings ReplicaLegTimeouts { get; set; } = new();

    /// <summary>The replica monitor's settings (used by <c>AddNvmeNativeReplicaMonitor</c>).</summary>
    public ReplicaMonitorSettings Monitor { get; set; } = new();
}

/// <summary>Controller timeouts as configuration sets them; each one left null keeps the library's value.</summary>
public sealed class ControllerTimeoutSettings
{
    /// <summary><c>ctrl_loss_tmo</c> (<see cref="Timeout.InfiniteTimeSpan"/>: reconnect for ever).</summary>
    public TimeSpan? ControllerLossTimeout { get; set; }

    /// <summary><c>reconnect_delay</c>.</summary>
    public TimeSpan? ReconnectDelay { get; set; }

    /// <summary><c>fast_io_fail_tmo</c>.</summary>
    public TimeSpan? FastIoFailTimeout { get; set; }

    /// <summary><c>keep_alive_tmo</c>.</summary>
    public TimeSpan? KeepAliveTimeout { get; set; }

    internal ControllerTimeouts ApplyTo(ControllerTimeouts defaults) => defaults.With(new ControllerTimeouts
    {
        ControllerLossTimeout = ControllerLossTimeout,
        ReconnectDelay = ReconnectDelay,
        FastIoFailTimeout = FastIoFailTimeout,
        KeepAliveTimeout = KeepAliveTimeout,
    });
}

/// <summary>The replica monitor's settings as configuration sets them (see <see cref="ReplicaMonitorOptions"/>).</summary>
public sealed class ReplicaMonitorSettings
{
    private static readonly ReplicaMonitorOptions Defaults = new();

    /// <summary>See <see cref="ReplicaMonitorOptions.Heal"/>.</summary>
    public bool Heal { get; set; } = Defaults.Heal;

    /// <summary>See <see cref="ReplicaMonitorOptions.RecheckInterval"/>.</summary>
    public TimeSpan RecheckInterval { get; set; } = Defaults.RecheckInterval;

    /// <summary>See <see cref="ReplicaMonitorOptions.HookQueueCapacity"/>.</summary>
    public int HookQueueCapacity { get; set; } = Defaults.HookQueueCapacity;

    /// <summary>See <see cref="ReplicaMonitorOptions.HookMaxAttempts"/>.</summary>
    public int HookMaxAttempts { get; set; } = Defaults.HookMaxAttempts;

    /// <summary>See <see cref="ReplicaMonitorOptions.HookRetryDelay"/>.</summary>
    public TimeSpan HookRetryDelay { get; set; } = Defaults.HookRetryDelay;
}
