using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NvmeNative.Kernel;
using NvmeNative.ReplicaState;

namespace NvmeNative.Monitoring;

/// <summary>How a <see cref="ReplicaMonitor"/> watches, records, notifies and heals.</summary>
public sealed record ReplicaMonitorOptions
{
    /// <summary>The kernel's roots (tests point them at a fake tree).</summary>
    public KernelPaths Paths { get; init; } = KernelPaths.Host;

    /// <summary>
    /// Where the replica-state records are. Events are written to the record of the volume whose array they concern;
    /// a store that can list its records (<see cref="IReplicaStateCatalog"/>: the file store and the etcd store) lets the monitor
    /// find every volume by its array uuid. Null: events are published but nothing is recorded.
    /// </summary>
    public IReplicaStateStore? ReplicaStateStore { get; init; }

    /// <summary>Volumes to watch besides those the store lists (for a store that cannot list, e.g. etcd).</summary>
    public IReadOnlyList<VolumeKey> Volumes { get; init; } = [];

    /// <summary>
    /// The agent's notification hook (the backend call), given every event. It runs off the monitor's path through a
    /// bounded queue; failures are logged and retried up to <see cref="HookMaxAttempts"/> times.
    /// </summary>
    public Func<ReplicaEvent, CancellationToken, Task>? Hook { get; init; }

    /// <summary>Events that may wait for the hook; when full, the oldest is dropped (and logged).</summary>
    public int HookQueueCapacity { get; init; } = 1024;

    /// <summary>Calls of the hook per event before it is given up.</summary>
    public int HookMaxAttempts { get; init; } = 5;

    /// <summary>Pause before the hook's first retry; doubled for each further one.</summary>
    public TimeSpan HookRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Put failed replicas back when they are reachable again (re-add through the bitmap, else a full rebuild).</summary>
    public bool Heal { get; init; }

    /// <summary>
    /// How long a wait for a kernel notification lasts before the monitor looks anyway: a safety net for a
    /// notification a kernel does not send (the controller's <c>state</c> is not notified by every kernel), not the
    /// way it learns of changes.
    /// </summary>
    public TimeSpan RecheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the monitor logs.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
