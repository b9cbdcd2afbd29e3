using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NvmeNative.Kernel;
using NvmeNative.ReplicaState;

namespace NvmeNative.Connector;

/// <summary>Settings of an <see cref="NvmeOfConnector"/>. The defaults follow os-brick where it has one.</summary>
public sealed record NvmeOfConnectorOptions
{
    /// <summary>Where the kernel's file systems are (tests point this at a captured tree).</summary>
    public KernelPaths Paths { get; init; } = KernelPaths.Host;

    /// <summary>
    /// How long to wait for the volume's namespace to appear after its controllers are live. os-brick
    /// retries for up to about 45 s; we wait for the kernel's events instead of sleeping, so this is only
    /// the bound for a target that never exposes the namespace.
    /// </summary>
    public TimeSpan DeviceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After the namespace appeared through one controller, how long to wait for its paths through the
    /// other live controllers of the attach (they follow within milliseconds on a healthy target). When
    /// it passes, Connect returns the usable volume with the paths it has instead of failing.
    /// </summary>
    public TimeSpan PathsTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long to wait for an existing controller in the <c>connecting</c> state to come back live
    /// (os-brick: 10 s plus the controller's reconnect delay).
    /// </summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long an attach, detach or extend waits for the host lock (held by another one on this host) before it
    /// fails with <see cref="NvmeNative.Errors.NvmeNativeTimeoutException"/> naming the holder: 5 minutes, longer than
    /// any one operation's own waits add up to, so only a stuck or hostile holder makes it fire.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever (os-brick's file lock); cancellation always ends the wait.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The controller timeouts of a volume with one target (and of a replicated volume with one replica): os-brick's
    /// (<see cref="ControllerTimeouts.OsBrick"/>: reconnect for ever, I/O waits meanwhile). A volume's connection
    /// properties may override each (<c>ctrl_loss_tmo</c>, <c>reconnect_delay</c>, <c>fast_io_fail_tmo</c>,
    /// <c>keep_alive_tmo</c>).
    /// </summary>
    public ControllerTimeouts SingleVolumeTimeouts { get; init => field = value ?? throw new ArgumentNullException(nameof(SingleVolumeTimeouts)); } = ControllerTimeouts.OsBrick;

    /// <summary>
    /// The controller timeouts of the replica legs of a replicated volume with more than one replica
    /// (<see cref="ControllerTimeouts.ReplicaLeg"/>): I/O to a lost replica fails within seconds, so md drops that mirror
    /// and the array serves on from the others, while the controller reconnects for ever so the replica can come back.
    /// A volume's connection properties may override each (<c>replica_ctrl_loss_tmo</c>, <c>replica_reconnect_delay</c>,
    /// <c>replica_fast_io_fail_tmo</c>, <c>replica_keep_alive_tmo</c>).
    /// </summary>
    public ControllerTimeouts ReplicaLegTimeouts { get; init => field = value ?? throw new ArgumentNullException(nameof(ReplicaLegTimeouts)); } = ControllerTimeouts.ReplicaLeg;

    /// <summary>
    /// Where the replica-state records of replicated volumes are kept (which replicas are current, who holds the
    /// volume): null for the host-local file store under <see cref="KernelPaths.VarLib"/><c>/nvmenative/replicas</c>;
    /// an etcd store (NvmeNative.ReplicaState.Etcd) where volumes move between hosts.
    /// </summary>
    public IReplicaStateStore? ReplicaStateStore { get; init; }

    /// <summary>
    /// The per-host lock file that serialises attach and detach across processes (os-brick's
    /// <c>connect_volume</c> file lock). Null: <c>&lt;Run&gt;/lock/nvmenative/connect_volume.lock</c>.
    /// </summary>
    public string? LockFile { get; init; }

    /// <summary>Connect every portal (native multipath), as os-brick does when multipath is on. Default true.</summary>
    public bool UseMultipath { get; init; } = true;

    /// <summary>
    /// When attaching a replicated volume assembles its array with a replica left out as stale (behind by events) or
    /// blank (recreated empty), put it back at once: re-add a stale one (md copies only the chunks its write-intent
    /// bitmap marks) or add a blank one for a full rebuild. Default true; the resync runs in the background.
    /// </summary>
    public bool HealReplicas { get; init; } = true;

    /// <summary>
    /// Where attach and detach report what they did (controllers connected, reused, rolled back, deleted).
    /// Secrets never reach it. Default: nothing is logged.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    internal string LockFilePath => LockFile ?? Path.Combine(Paths.Run, "lock", "nvmenative", "connect_volume.lock");
}
