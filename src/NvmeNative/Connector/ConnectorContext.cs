using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// What every part of the connector works with: its options, the layers below (fabrics, topology, md), the attach
/// records, the uevent source and the host lock. One per <see cref="NvmeOfConnector"/>; the parts hold it, not copies.
/// </summary>
internal sealed class ConnectorContext
{
    internal ConnectorContext(NvmeOfConnectorOptions options, IFabricsDevice? fabricsDevice, Func<IUeventSource> openEvents)
    {
        Options = options;
        OpenEvents = openEvents;
        Fabrics = new FabricsConnector(options.Paths, fabricsDevice);
        // On the host's sysfs, lookups go through the process's NQN index: an agent's attach finds its target's
        // controllers without reading the NQN of every other subsystem on the host.
        Topology = new NvmeTopology(options.Paths, openEvents, NvmeTopology.HostIndexFor(options.Paths));
        Md = new MdArrays(options.Paths);
        Records = new AttachRecords(options.Paths);
        ReplicaState = options.ReplicaStateStore
            ?? new FileReplicaStateStore(Path.Combine(options.Paths.VarLib, "nvmenative", "replicas"));
    }

    internal NvmeOfConnectorOptions Options { get; }

    internal FabricsConnector Fabrics { get; }

    internal NvmeTopology Topology { get; }

    internal MdArrays Md { get; }

    internal AttachRecords Records { get; }

    /// <summary>The replica-state records of replicated volumes.</summary>
    internal IReplicaStateStore ReplicaState { get; }

    /// <summary>Opens a uevent listener; one is opened before any change whose event must not be missed.</summary>
    internal Func<IUeventSource> OpenEvents { get; }

    /// <summary>How host-name portals are looked up (the system resolver; unit tests substitute it).</summary>
    internal PortalResolver.Lookup HostLookup { get; set; } = PortalResolver.SystemResolver;

    /// <summary>The caller's logger behind a <see cref="RedactingLogger"/>: logged values come from the input.</summary>
    internal ILogger Log => _log ??= RedactingLogger.Wrap(Options.Logger);

    private ILogger? _log;

    /// <summary>Serialises attach, detach and extend on this host (threads and processes) until disposed.</summary>
    internal ValueTask<HostLock> LockHostAsync(bool async, CancellationToken ct) =>
        HostLock.AcquireAsync(Options.LockFilePath, Options.LockTimeout, async, ct);

    /// <summary>The identity an attach connects with: the host's stored pair, with a <c>host_nqn</c> from the properties overriding the NQN (os-brick's -q).</summary>
    internal HostIdentity HostFor(TargetProperties target)
    {
        var stored = HostIdentityStore.LoadOrCreate(Options.Paths);
        return target.HostNqn is { } nqn ? new HostIdentity(nqn, stored.HostId) : stored;
    }

    /// <summary>The host NQN a volume was attached with, without creating an identity (detach and lookups must not).</summary>
    internal Nqn? AttachedHostNqn(TargetProperties target) => target.HostNqn ?? HostIdentityStore.TryLoad(Options.Paths)?.HostNqn;
}
