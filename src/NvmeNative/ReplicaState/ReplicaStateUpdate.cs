namespace NvmeNative.ReplicaState;

/// <summary>Read-modify-write of a record with retry when another writer wins the compare-and-swap.</summary>
public static class ReplicaStateUpdate
{
    /// <summary>Attempts made by default before a conflict is given up.</summary>
    public const int DefaultMaxAttempts = 8;

    /// <summary>
    /// Reads the record of <paramref name="key"/>, asks <paramref name="change"/> for the new one (it gets null when
    /// there is none, and returns null to leave the store as it is), and writes it with compare-and-swap; on a
    /// conflict reads again and calls <paramref name="change"/> again, at most <paramref name="maxAttempts"/> times.
    /// <paramref name="change"/> must be a pure function of its input (it may run more than once).
    /// </summary>
    /// <returns>The record now stored with its version, or null when there is none and <paramref name="change"/> made none.</returns>
    /// <exception cref="ReplicaStateConflictException">Every attempt lost to another writer.</exception>
    public static VersionedReplicaState? Apply(IReplicaStateStore store, VolumeKey key,
        Func<ReplicaStateRecord?, ReplicaStateRecord?> change, int maxAttempts = DefaultMaxAttempts,
        CancellationToken cancellationToken = default)
    {
        var applied = ApplyAsync(store, key, change, maxAttempts, async: false, cancellationToken);
        System.Diagnostics.Debug.Assert(applied.IsCompleted);
        return applied.GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Apply"/>, through the store's asynchronous methods (no thread blocked while the store waits).</summary>
    public static ValueTask<VersionedReplicaState?> ApplyAsync(IReplicaStateStore store, VolumeKey key,
        Func<ReplicaStateRecord?, ReplicaStateRecord?> change, int maxAttempts = DefaultMaxAttempts,
        CancellationToken cancellationToken = default) =>
        ApplyAsync(store, key, change, maxAttempts, async: true, cancellationToken);

    internal static async ValueTask<VersionedReplicaState?> ApplyAsync(IReplicaStateStore store, VolumeKey key,
        Func<ReplicaStateRecord?, ReplicaStateRecord?> change, int maxAttempts, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = async ? await store.ReadAsync(key, cancellationToken).ConfigureAwait(false) : store.Read(key, cancellationToken);
            var next = change(current?.Record);
            if (next is null || (current is not null && ReferenceEquals(next, current.Record)))
                return current;
            try
            {
                var version = async
                    ? await store.CompareAndSwapAsync(key, current?.Version, next, cancellationToken).ConfigureAwait(false)
                    : store.CompareAndSwap(key, current?.Version, next, cancellationToken);
                return new VersionedReplicaState(next, version);
            }
            catch (ReplicaStateConflictException) when (attempt < maxAttempts)
            {
                // Another writer came first: its record is the new input.
            }
        }
    }
}
