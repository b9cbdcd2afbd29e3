namespace NvmeNative.ReplicaState.Etcd;

/// <summary>Creates any store a <see cref="ReplicaStateStoreUri"/> names (file or etcd): what the CLI calls.</summary>
public static class ReplicaStateStores
{
    /// <summary>The store <paramref name="uri"/> names.</summary>
    /// <exception cref="NvmeNative.Errors.InvalidInputException">The URI is malformed.</exception>
    public static IReplicaStateStore Create(string uri) => Create(ReplicaStateStoreUri.Parse(uri));

    /// <summary>The store <paramref name="uri"/> names.</summary>
    public static IReplicaStateStore Create(ReplicaStateStoreUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.Kind == ReplicaStateStoreKind.Etcd ? EtcdReplicaStateStore.FromUri(uri) : uri.CreateFileStore();
    }
}
