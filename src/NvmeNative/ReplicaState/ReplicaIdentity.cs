using System.Text.Json.Serialization;
using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.ReplicaState;

/// <summary>
/// What identifies one replica of a replicated volume before anything is connected: its target subsystem NQN
/// and the namespace's strongest identifier (uuid, else nguid, else nsid; the one the connector selects the
/// namespace by), in a canonical spelling so that equal replicas compare equal whatever the input looked like.
/// </summary>
public sealed record ReplicaIdentity
{
    private const string UuidPrefix = "uuid:", NguidPrefix = "nguid:", NsidPrefix = "nsid:";

    /// <summary>Creates an identity from its canonical parts (as read back from a record).</summary>
    /// <param name="targetNqn">The target subsystem NQN.</param>
    /// <param name="namespace"><c>uuid:8-4-4-4-12</c>, <c>nguid:8-4-4-4-12</c> or <c>nsid:N</c>.</param>
    /// <exception cref="InvalidInputException">A part is empty or malformed.</exception>
    [JsonConstructor]
    public ReplicaIdentity(string targetNqn, string @namespace)
    {
        if (!Nqn.TryParse(targetNqn, out var nqn, out string? error))
            throw new InvalidInputException(error, "replica identity", "target_nqn");
        TargetNqn = nqn.Value;
        Namespace = CanonicalNamespace(@namespace);
    }

    /// <summary>The target subsystem NQN.</summary>
    public string TargetNqn { get; }

    /// <summary>The namespace identifier, canonical: <c>uuid:…</c>, <c>nguid:…</c> (lower-case, dashed) or <c>nsid:N</c>.</summary>
    public string Namespace { get; }

    /// <summary>The identity of a replica from its connection properties: the strongest of the identifiers given.</summary>
    /// <exception cref="InvalidInputException">No namespace identifier is given.</exception>
    public static ReplicaIdentity From(Nqn targetNqn, NvmeUuid? uuid, Nguid? nguid, NamespaceId? nsid)
    {
        ArgumentNullException.ThrowIfNull(targetNqn);
        string ns = uuid is { IsZero: false } u ? UuidPrefix + u
            : nguid is { IsZero: false } g ? NguidPrefix + g
            : nsid is { Value: not 0 } n ? NsidPrefix + n
            : throw new InvalidInputException("the replica has no namespace identifier (uuid, nguid or nsid)", "replica identity", "volume_replicas");
        return new ReplicaIdentity(targetNqn.Value, ns);
    }

    /// <summary>The canonical one-line form, <c>NQN NAMESPACE</c>, that the volume key hashes.</summary>
    internal string Canonical => TargetNqn + " " + Namespace;

    /// <inheritdoc/>
    public override string ToString() => $"{TargetNqn} {Namespace}";

    private static string CanonicalNamespace(string? text)
    {
        const string op = "replica identity";
        if (text is null)
            throw new InvalidInputException("the namespace identifier is missing", op, "namespace");
        if (text.StartsWith(UuidPrefix, StringComparison.Ordinal) && NvmeUuid.TryParse(text[UuidPrefix.Length..], out var uuid) && !uuid.IsZero)
            return UuidPrefix + uuid;
        if (text.StartsWith(NguidPrefix, StringComparison.Ordinal) && Nguid.TryParse(text[NguidPrefix.Length..], out var nguid) && !nguid.IsZero)
            return NguidPrefix + nguid;
        if (text.StartsWith(NsidPrefix, StringComparison.Ordinal) && NamespaceId.TryParse(text[NsidPrefix.Length..], out var nsid) && nsid.Value != 0)
            return NsidPrefix + nsid;
        throw new InvalidInputException($"'{text}' is not uuid:UUID, nguid:NGUID or nsid:N", op, "namespace");
    }
}
