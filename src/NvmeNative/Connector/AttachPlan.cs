using System.Collections.Immutable;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>One target's attach, decided and validated before the host lock and before any kernel change.</summary>
/// <param name="Target">The target with its host-name portals resolved.</param>
/// <param name="Host">The identity it connects with.</param>
/// <param name="Legs">Each portal with the fabrics options of its controller.</param>
internal sealed record AttachPlan(TargetProperties Target, HostIdentity Host, IReadOnlyList<(Portal Portal, FabricsOptions Options)> Legs)
{
    /// <summary>
    /// The plan of every target of the volume (one for a single volume, one per replica), in the order of the
    /// properties, under one <see cref="Telemetry.Activities.Plan"/> span (see <see cref="PrepareAsync"/>).
    /// </summary>
    internal static async ValueTask<List<AttachPlan>> PrepareAllAsync(ConnectorContext context, ConnectionProperties properties, bool async,
        CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.Plan, ct);
        try
        {
            var timeouts = TimeoutsFor(context.Options, properties);
            var plans = new List<AttachPlan>(properties.Targets.Length);
            foreach (var target in properties.Targets)
                plans.Add(await PrepareAsync(context, target, properties, timeouts, async, ct).ConfigureAwait(false));
            return plans;
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>
    /// Resolves host names, builds and validates every portal's options, applies enforce_multipath and checks that
    /// this kernel offers nvme-fabrics and every option used: bad input and missing support change nothing.
    /// </summary>
    /// <param name="context">The connector.</param>
    /// <param name="unresolved">The target as the properties give it.</param>
    /// <param name="properties">The volume.</param>
    /// <param name="timeouts">The controller timeouts of this target's legs (a single volume's, or a replica leg's).</param>
    /// <param name="async">Await the lookups (see <see cref="Kernel.AsyncMode"/>).</param>
    /// <param name="ct">Cancels host-name lookups.</param>
    private static async ValueTask<AttachPlan> PrepareAsync(ConnectorContext context, TargetProperties unresolved, ConnectionProperties properties,
        ControllerTimeouts timeouts, bool async, CancellationToken ct)
    {
        var target = await ResolvePortalsAsync(context, unresolved, async, ct).ConfigureAwait(false);
        var host = context.HostFor(target);
        var legs = target.Portals.Select(p => (Portal: p, Options: timeouts.ApplyTo(FabricsOptions.ForPortal(target.SubsystemNqn, p, host)))).ToList();
        foreach (var leg in legs)
            leg.Options.Validate();
        if (!target.HasNamespaceIdentifier && legs.Count == 0)
            throw new NvmeNativeException("the target has no portal", "connect volume");
        // os-brick's check_multipath: with multipath wanted but off in the kernel, enforce_multipath refuses.
        if (context.Options.UseMultipath && legs.Count > 1 && context.Topology.IsNativeMultipathEnabled() != true)
        {
            if (properties.EnforceMultipath)
                throw new NvmeNativeException(
                    "multipathing is enforced (enforce_multipath) but native NVMe multipath is off on this host (nvme_core.multipath); nothing was changed",
                    "connect volume");
            ConnectorLog.MultipathOff(context.Log, target.SubsystemNqn.Value);
        }
        // A missing nvme-fabrics module, or an option this kernel lacks, is reported now, not after a first
        // portal was connected (the kernel's list is read once per connector and cached).
        if (legs.Count > 0)
        {
            var supported = context.Fabrics.SupportedOptions;
            bool replicaLeg = properties.IsReplicated && properties.ReplicaCount > 1;
            foreach (var leg in legs)
                supported.Require(leg.Options.UsedMask, context.Fabrics.DevicePath, option => ControllerTimeouts.Remedy(option, replicaLeg));
        }
        return new AttachPlan(target, host, legs);
    }

    /// <summary>
    /// The controller timeouts of a volume's legs: a replicated volume of more than one replica fails I/O to a lost
    /// replica fast (<see cref="NvmeOfConnectorOptions.ReplicaLegTimeouts"/>, then its <c>replica_*</c> keys); every
    /// other volume keeps os-brick's waiting (<see cref="NvmeOfConnectorOptions.SingleVolumeTimeouts"/>, then its keys).
    /// With one mirror there is no other to serve from: failing fast would only turn a reconnect into an I/O error.
    /// </summary>
    internal static ControllerTimeouts TimeoutsFor(NvmeOfConnectorOptions options, ConnectionProperties properties) =>
        properties.IsReplicated && properties.ReplicaCount > 1
            ? options.ReplicaLegTimeouts.With(properties.ReplicaTimeouts)
            : options.SingleVolumeTimeouts.With(properties.ControllerTimeouts);

    /// <summary>
    /// The target with every host-name portal replaced by the address it resolves to (see <see cref="PortalResolver"/>),
    /// before the host lock and before anything touches the kernel, so a name that does not resolve is invalid input
    /// that changed nothing. Portals that resolve to the same address as an earlier one are dropped: they are the same
    /// connection.
    /// </summary>
    /// <exception cref="InvalidInputException">A host name does not resolve; the key path names its place in the input.</exception>
    internal static async ValueTask<TargetProperties> ResolvePortalsAsync(ConnectorContext context, TargetProperties target, bool async,
        CancellationToken ct)
    {
        if (target.Portals.All(p => !p.IsHostName))
            return target;
        using var span = Spans.StartPhase(Telemetry.Activities.NameResolution, ct);
        span?.SetTag(Telemetry.Tags.Nqn, target.SubsystemNqn.Value);
        try
        {
            return await ResolveEachAsync(context, target, async, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>Resolves every portal of <paramref name="targets"/>, one target after the other.</summary>
    internal static async ValueTask<List<TargetProperties>> ResolvePortalsAsync(ConnectorContext context, IEnumerable<TargetProperties> targets,
        bool async, CancellationToken ct)
    {
        var resolved = new List<TargetProperties>();
        foreach (var target in targets)
            resolved.Add(await ResolvePortalsAsync(context, target, async, ct).ConfigureAwait(false));
        return resolved;
    }

    private static async ValueTask<TargetProperties> ResolveEachAsync(ConnectorContext context, TargetProperties target, bool async,
        CancellationToken ct)
    {
        var resolved = ImmutableArray.CreateBuilder<Portal>(target.Portals.Length);
        var keys = ImmutableArray.CreateBuilder<string>(target.Portals.Length);
        for (int i = 0; i < target.Portals.Length; i++)
        {
            string key = i < target.PortalAddressKeys.Length ? target.PortalAddressKeys[i] : $"portals[{i}]";
            Portal portal = await PortalResolver.ResolveAsync(target.Portals[i], key, context.HostLookup, async, ct).ConfigureAwait(false);
            if (resolved.Contains(portal))
                continue;
            resolved.Add(portal);
            keys.Add(key);
        }
        return new TargetProperties(target.SubsystemNqn, resolved.ToImmutable(), target.NamespaceUuid, target.Nguid,
            target.NamespaceId, target.HostNqn)
        {
            PortalAddressKeys = keys.ToImmutable(),
        };
    }
}
