namespace NvmeNative.ReplicaState;

/// <summary>
/// A store that can list its records. A monitor needs it: it sees an md array (by uuid) and must find the volume
/// whose record names that array, without the connection properties that the record's key is built from.
/// </summary>
public interface IReplicaStateCatalog
{
    /// <summary>
    /// Every record the store holds now. A record that cannot be read (corrupt, a newer schema) is left out: reading
    /// it by its key reports why.
    /// </summary>
    /// <exception cref="ReplicaStateUnavailableException">The store cannot be reached.</exception>
    IReadOnlyList<ReplicaStateRecord> ReadAll(CancellationToken cancellationToken = default);
}
