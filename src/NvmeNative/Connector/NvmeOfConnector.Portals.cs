using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

public sealed partial class NvmeOfConnector
{
    /// <summary>How host-name portals are looked up (the system resolver; unit tests substitute it).</summary>
    internal PortalResolver.Lookup HostLookup { get; init; } = PortalResolver.SystemResolver;

    /// <summary>
    /// The target with every host-name portal replaced by the address it resolves to (see
    /// <see cref="PortalResolver"/>), called before the host lock and before anything touches the kernel, so a
    /// name that does not resolve is invalid input that changed nothing. Portals that resolve to the same
    /// address as an earlier one are dropped: they are the same connection.
    /// </summary>
    /// <exception cref="InvalidInputException">A host name does not resolve; the key path names its place in the input.</exception>
    private TargetProperties WithResolvedPortals(TargetProperties target, CancellationToken ct)
    {
        if (target.Portals.All(p => !p.IsHostName))
            return target;
        var resolved = System.Collections.Immutable.ImmutableArray.CreateBuilder<Portal>(target.Portals.Length);
        var keys = System.Collections.Immutable.ImmutableArray.CreateBuilder<string>(target.Portals.Length);
        for (int i = 0; i < target.Portals.Length; i++)
        {
            string key = i < target.PortalAddressKeys.Length ? target.PortalAddressKeys[i] : $"portals[{i}]";
            Portal portal = PortalResolver.Resolve(target.Portals[i], key, HostLookup, ct);
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
