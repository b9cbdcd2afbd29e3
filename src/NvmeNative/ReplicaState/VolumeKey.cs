using System.Collections.Immutable;
using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>
/// The key of a replicated volume's record: built from what identifies the volume before anything is connected
/// (the alias and every replica's <see cref="ReplicaIdentity"/>), independent of the order the replicas are
/// listed in, and hashed into <see cref="Value"/>, a string that is safe as a file name and as an etcd key.
/// </summary>
public sealed record VolumeKey
{
    private const string CanonicalHeader = "nvmenative-replicated-volume-v1";
    private const int AliasPartMax = 32;

    private VolumeKey(string alias, ImmutableArray<ReplicaIdentity> replicas, string value)
    {
        Alias = alias;
        Replicas = replicas;
        Value = value;
    }

    /// <summary>The md alias (array name), "" when the volume has none.</summary>
    public string Alias { get; }

    /// <summary>The replicas, in canonical (sorted) order.</summary>
    public ImmutableArray<ReplicaIdentity> Replicas { get; }

    /// <summary>
    /// <c>ALIAS.SHA256HEX</c>: the alias reduced to <c>[A-Za-z0-9_-]</c> (for a person listing the store) and the
    /// SHA-256 of the canonical text (for uniqueness). Never starts with a dot, never contains a slash.
    /// </summary>
    public string Value { get; }

    /// <summary>Builds the key of the volume with <paramref name="alias"/> and <paramref name="replicas"/>.</summary>
    /// <exception cref="InvalidInputException">No replica, or one replica listed twice.</exception>
    public static VolumeKey Create(string? alias, IEnumerable<ReplicaIdentity> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var sorted = replicas.OrderBy(r => r.Canonical, StringComparer.Ordinal).ToImmutableArray();
        if (sorted.IsEmpty)
            throw new InvalidInputException("a replicated volume needs at least one replica", "volume key", "volume_replicas");
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] == sorted[i - 1])
                throw new InvalidInputException($"the replica {sorted[i]} is listed twice", "volume key", "volume_replicas");
        }
        alias ??= "";
        var canonical = new StringBuilder(CanonicalHeader).Append('\n').Append("alias ").Append(alias).Append('\n');
        foreach (var replica in sorted)
            canonical.Append("replica ").Append(replica.Canonical).Append('\n');
        string hash = Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        return new VolumeKey(alias, sorted, SafeAlias(alias) + "." + hash);
    }

    /// <summary>True when <paramref name="replica"/> is one of this volume's replicas.</summary>
    public bool Contains(ReplicaIdentity replica) => Replicas.Contains(replica);

    /// <inheritdoc/>
    public bool Equals(VolumeKey? other) => other is not null && Value == other.Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Value;

    private static string SafeAlias(string alias)
    {
        var text = new StringBuilder(Math.Min(alias.Length, AliasPartMax));
        foreach (char c in alias)
        {
            if (text.Length == AliasPartMax)
                break;
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }
        return text.Length == 0 ? "volume" : text.ToString();
    }
}
