namespace NvmeNative.ReplicaState;

/// <summary>
/// Where replica-state records live: a host-local directory (<see cref="FileReplicaStateStore"/>) or a store
/// shared by hosts (etcd, in NvmeNative.ReplicaState.Etcd). Writes are compare-and-swap on the record's version,
/// so two processes or hosts racing lose no update. Every failure is a <see cref="ReplicaStateException"/>:
/// <see cref="ReplicaStateConflictException"/> when another writer won, <see cref="ReplicaStateUnavailableException"/>
/// when the store cannot be reached, <see cref="ReplicaStateCorruptException"/> when a stored record is unreadable.
/// Implementations are safe to use from several threads.
/// </summary>
public interface IReplicaStateStore
{
    /// <summary>The store for messages and logs, e.g. <c>file:/var/lib/nvmenative/replicas</c>; never holds a secret.</summary>
    string Description { get; }

    /// <summary>The record of <paramref name="key"/> with its version, or null when there is none.</summary>
    VersionedReplicaState? Read(VolumeKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="record"/> if the stored version is still <paramref name="expected"/> (null: only if
    /// there is no record yet), atomically; returns the new version.
    /// </summary>
    /// <exception cref="ReplicaStateConflictException">The stored version differs (another writer came first).</exception>
    /// <exception cref="ArgumentException">The record belongs to another key.</exception>
    ReplicaStateVersion CompareAndSwap(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default);

    /// <summary>Removes the record if its version is still <paramref name="expected"/>; false when there was no record.</summary>
    /// <exception cref="ReplicaStateConflictException">The stored version differs.</exception>
    bool Delete(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="Read"/>, awaited. The default runs <see cref="Read"/> on the calling thread; a store that waits
    /// (for a lock, a network) overrides it so that no thread is blocked while it waits.
    /// </summary>
    ValueTask<VersionedReplicaState?> ReadAsync(VolumeKey key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(key, cancellationToken));

    /// <summary>As <see cref="CompareAndSwap"/>, awaited (the default runs it on the calling thread; see <see cref="ReadAsync"/>).</summary>
    ValueTask<ReplicaStateVersion> CompareAndSwapAsync(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(CompareAndSwap(key, expected, record, cancellationToken));

    /// <summary>As <see cref="Delete"/>, awaited (the default runs it on the calling thread; see <see cref="ReadAsync"/>).</summary>
    ValueTask<bool> DeleteAsync(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Delete(key, expected, cancellationToken));
}
