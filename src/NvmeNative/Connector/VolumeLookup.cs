using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// Where a target's volume is on this host now, without waiting and without changing anything: the controllers of
/// its subsystem at its portals for the host NQN it was attached with, and among them its namespace by uuid, nguid
/// or nsid. Detach, extend, paths and the replicated volume's array lookup all start here.
/// </summary>
internal sealed record VolumeLookup(IReadOnlyList<NvmeController> Controllers, NamespaceSelector? Selector, NvmeNamespace? Namespace)
{
    internal static VolumeLookup Find(ConnectorContext context, TargetProperties target)
    {
        var hostNqn = context.AttachedHostNqn(target);
        // One lookup of the subsystem's controllers, then each portal's among them: a lookup per portal would list the
        // host's subsystems once per portal.
        var ofSubsystem = context.Topology.ControllersOf(target.SubsystemNqn, null, hostNqn);
        var controllers = target.Portals.SelectMany(p => ofSubsystem.Where(c => c.IsAt(p)))
            .DistinctBy(c => c.Name).ToList();
        var selector = SelectorOf(target);
        var ns = selector is not null && controllers.Count > 0 ? context.Topology.FindNamespace(controllers, selector) : null;
        return new VolumeLookup(controllers, selector, ns);
    }

    /// <summary>The namespace identifiers of the properties, or null when they name none (os-brick's before/after fallback).</summary>
    internal static NamespaceSelector? SelectorOf(TargetProperties target) =>
        NamespaceSelector.FromIdentifiers(target.NamespaceUuid, target.Nguid, target.NamespaceId);
}
