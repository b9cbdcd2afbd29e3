using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>Which identifier a <see cref="NamespaceSelector"/> compares.</summary>
public enum NamespaceIdentifierKind
{
    /// <summary>The namespace UUID.</summary>
    Uuid,

    /// <summary>The namespace NGUID.</summary>
    Nguid,

    /// <summary>The namespace id.</summary>
    Nsid,
}

/// <summary>
/// How to recognise a volume's namespace among a target's namespaces: by UUID, else NGUID, else NSID, the
/// first one known (as os-brick does; there is no fall-through to a weaker identifier when the stronger
/// one is not found, which could pick another volume). A UUID also matches a namespace that has no UUID
/// but that NGUID, because the kernel itself shows the NGUID as <c>uuid</c> then.
/// </summary>
public sealed record NamespaceSelector
{
    private NamespaceSelector(NamespaceIdentifierKind kind, Guid id, NamespaceId? nsid)
    {
        Kind = kind;
        Id = id;
        Nsid = nsid;
    }

    /// <summary>Which identifier is compared.</summary>
    public NamespaceIdentifierKind Kind { get; }

    /// <summary>The UUID or NGUID compared (empty for <see cref="NamespaceIdentifierKind.Nsid"/>).</summary>
    public Guid Id { get; }

    /// <summary>The NSID compared (null unless <see cref="NamespaceIdentifierKind.Nsid"/>).</summary>
    public NamespaceId? Nsid { get; }

    /// <summary>Selects by namespace UUID.</summary>
    /// <exception cref="ArgumentException">The UUID is all zeros, which means "no UUID".</exception>
    public static NamespaceSelector ByUuid(NvmeUuid uuid) =>
        uuid.IsZero ? throw new ArgumentException("a namespace UUID must not be all zeros", nameof(uuid)) : new(NamespaceIdentifierKind.Uuid, uuid.Value, null);

    /// <summary>Selects by namespace NGUID.</summary>
    /// <exception cref="ArgumentException">The NGUID is all zeros, which means "no NGUID".</exception>
    public static NamespaceSelector ByNguid(Nguid nguid) =>
        nguid.IsZero ? throw new ArgumentException("a namespace NGUID must not be all zeros", nameof(nguid)) : new(NamespaceIdentifierKind.Nguid, nguid.Value, null);

    /// <summary>Selects by namespace id.</summary>
    /// <exception cref="ArgumentException">A default (unset) NSID.</exception>
    public static NamespaceSelector ByNsid(NamespaceId nsid) =>
        nsid.Value == 0 ? throw new ArgumentException("the NSID is not set", nameof(nsid)) : new(NamespaceIdentifierKind.Nsid, Guid.Empty, nsid);

    /// <summary>The strongest of the identifiers given: UUID, else NGUID, else NSID; null when none is.</summary>
    public static NamespaceSelector? FromIdentifiers(NvmeUuid? uuid, Nguid? nguid, NamespaceId? nsid) =>
        uuid is { } u ? ByUuid(u) : nguid is { } g ? ByNguid(g) : nsid is { } n ? ByNsid(n) : null;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        NamespaceIdentifierKind.Uuid => $"uuid {Id}",
        NamespaceIdentifierKind.Nguid => $"nguid {Id}",
        _ => $"nsid {Nsid!.Value}",
    };
}
