using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

public sealed class ReplicaStateUpdateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An in-memory store whose next CompareAndSwaps lose to an "other writer" that bumps the record.</summary>
    private sealed class RacingStore : IReplicaStateStore
    {
        private VersionedReplicaState? _current;

        internal int LoseNext { get; set; }

        internal int Swaps { get; private set; }

        public string Description => "memory:";

        public VersionedReplicaState? Read(VolumeKey key, CancellationToken cancellationToken = default) => _current;

        public ReplicaStateVersion CompareAndSwap(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record, CancellationToken cancellationToken = default)
        {
            Swaps++;
            if (LoseNext > 0)
            {
                LoseNext--;
                var theirs = (_current?.Record ?? ReplicaStateRecord.New(key, T0));
                theirs = theirs.WithArray(ArrayUuid, theirs.KnownGoodEvents + 100, T0);
                _current = new VersionedReplicaState(theirs, new ReplicaStateVersion((_current?.Version.Value ?? 0) + 1));
                throw new ReplicaStateConflictException(key.Value, expected, _current.Version, Description);
            }
            if (_current?.Version != expected)
                throw new ReplicaStateConflictException(key.Value, expected, _current?.Version, Description);
            _current = new VersionedReplicaState(record, new ReplicaStateVersion((_current?.Version.Value ?? 0) + 1));
            return _current.Version;
        }

        public bool Delete(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private static ReplicaStateRecord Increment(VolumeKey key, ReplicaStateRecord? r) =>
        (r ?? ReplicaStateRecord.New(key, T0)).WithArray(ArrayUuid, (r?.KnownGoodEvents ?? 0) + 1, T0);

    [Fact]
    public void A_lost_race_is_retried_on_the_winners_record()
    {
        var key = Key(2);
        var store = new RacingStore { LoseNext = 2 };

        var result = ReplicaStateUpdate.Apply(store, key, r => Increment(key, r), cancellationToken: Ct);

        Assert.NotNull(result);
        Assert.Equal(201UL, result.Record.KnownGoodEvents); // both winners' +100, then ours
        Assert.Equal(3, store.Swaps);
    }

    [Fact]
    public void Attempts_are_bounded()
    {
        var key = Key(2);
        var store = new RacingStore { LoseNext = 10 };

        Assert.Throws<ReplicaStateConflictException>(() => ReplicaStateUpdate.Apply(store, key, r => Increment(key, r), maxAttempts: 3, Ct));
        Assert.Equal(3, store.Swaps);
    }

    [Fact]
    public void No_change_writes_nothing()
    {
        var key = Key(2);
        var store = new RacingStore();

        Assert.Null(ReplicaStateUpdate.Apply(store, key, _ => null, cancellationToken: Ct));
        ReplicaStateUpdate.Apply(store, key, r => Increment(key, r), cancellationToken: Ct);
        var same = ReplicaStateUpdate.Apply(store, key, r => r, cancellationToken: Ct);
        Assert.Equal(1, store.Swaps);
        Assert.Equal(1UL, same!.Record.KnownGoodEvents);
    }
}
