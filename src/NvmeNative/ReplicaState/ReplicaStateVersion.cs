namespace NvmeNative.ReplicaState;

/// <summary>
/// A record's version in its store, compared by compare-and-swap: the file store's generation number, etcd's
/// mod_revision. Only its own store gives it meaning.
/// </summary>
/// <param name="Value">The store's number (positive).</param>
public readonly record struct ReplicaStateVersion(long Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
