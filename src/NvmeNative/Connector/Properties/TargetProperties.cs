using System.Collections.Immutable;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// One NVMe subsystem to attach a namespace from: its NQN, its portals, and the identifiers of the namespace.
/// A non-replicated volume has one; a replicated volume has one per replica.
/// </summary>
public sealed record TargetProperties
{
    internal TargetProperties(Nqn subsystemNqn, ImmutableArray<Portal> portals, NvmeUuid? namespaceUuid, Nguid? nguid,
        NamespaceId? namespaceId, Nqn? hostNqn)
    {
        SubsystemNqn = subsystemNqn;
        Portals = portals;
        NamespaceUuid = namespaceUuid;
        Nguid = nguid;
        NamespaceId = namespaceId;
        HostNqn = hostNqn;
    }

    /// <summary>The subsystem NQN (<c>target_nqn</c>, or <c>nqn</c> in the original and spec formats).</summary>
    public Nqn SubsystemNqn { get; }

    /// <summary>Where the subsystem listens; at least one, no duplicates, in the given order.</summary>
    public ImmutableArray<Portal> Portals { get; }

    /// <summary>The namespace UUID (<c>vol_uuid</c> or <c>uuid</c>): the most reliable identifier.</summary>
    public NvmeUuid? NamespaceUuid { get; }

    /// <summary>The namespace NGUID (<c>volume_nguid</c>), used when there is no UUID.</summary>
    public Nguid? Nguid { get; }

    /// <summary>The namespace ID (<c>ns_id</c>), used when there is neither UUID nor NGUID.</summary>
    public NamespaceId? NamespaceId { get; }

    /// <summary>The host NQN to connect as (<c>host_nqn</c>), or null for the host's own identity.</summary>
    public Nqn? HostNqn { get; }

    /// <summary>
    /// Where each portal's address came from in the input (e.g. <c>portals[1][0]</c>, <c>target_portal</c>), for
    /// errors found after parsing (a host name that does not resolve); empty when not built by the parser.
    /// </summary>
    internal ImmutableArray<string> PortalAddressKeys { get; init; } = [];

    /// <summary>True when the namespace can be identified (uuid, nguid or nsid); otherwise only os-brick's before/after device fallback is left.</summary>
    public bool HasNamespaceIdentifier => NamespaceUuid is not null || Nguid is not null || NamespaceId is not null;

    /// <inheritdoc/>
    public bool Equals(TargetProperties? other) =>
        other is not null && SubsystemNqn == other.SubsystemNqn && Portals.SequenceEqual(other.Portals) &&
        NamespaceUuid == other.NamespaceUuid && Nguid == other.Nguid && NamespaceId == other.NamespaceId && HostNqn == other.HostNqn;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SubsystemNqn, Portals.Length, NamespaceUuid, Nguid, NamespaceId, HostNqn);
}
