using NvmeNative.ReplicaState;

namespace NvmeNative.Tests.ReplicaStateTests;

/// <summary>Replicas, superblocks and records for the replica-state tests.</summary>
internal static class ReplicaFixtures
{
    internal const string ArrayUuid = "0123456789abcdef0123456789abcdef";
    internal const ushort Faulty = ReplicaSuperblockFacts.RoleFaulty;
    internal const ushort Spare = ReplicaSuperblockFacts.RoleSpare;
    internal static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    internal static ReplicaIdentity Id(int i) =>
        new($"nqn.2014-08.org.example:replica{i}", $"uuid:{i:x8}-0000-4000-8000-000000000000");

    internal static VolumeKey Key(int replicas, string alias = "vol1") => VolumeKey.Create(alias, Enumerable.Range(0, replicas).Select(Id));

    /// <summary>A reachable replica whose dev_number is its index, with the given events and role table.</summary>
    internal static ReplicaObservation Up(int i, ulong events, ushort[] roles, string uuid = ArrayUuid) =>
        new(i, Id(i), true, new ReplicaSuperblockFacts(uuid, events, i, roles));

    internal static ReplicaObservation Down(int i) => new(i, Id(i), false);

    internal static ReplicaObservation Blank(int i) => new(i, Id(i), true);

    /// <summary>Every dev active in its own slot: 0, 1, …, n-1.</summary>
    internal static ushort[] AllActive(int n) => Enumerable.Range(0, n).Select(i => (ushort)i).ToArray();

    /// <summary>AllActive(n) with the given devs marked faulty.</summary>
    internal static ushort[] Without(int n, params int[] faulty) =>
        Enumerable.Range(0, n).Select(i => faulty.Contains(i) ? Faulty : (ushort)i).ToArray();

    /// <summary>A record of an n-replica volume with array <see cref="ArrayUuid"/>, known-good events, and the given states.</summary>
    internal static ReplicaStateRecord Record(int n, ulong knownGood, params (int Index, ReplicaCondition State, ulong? FailedAt)[] states)
    {
        var record = ReplicaStateRecord.New(Key(n), T0).WithArray(ArrayUuid, knownGood, T0);
        foreach (var (index, state, failedAt) in states)
            record = record.WithReplica(Id(index), state, T0.AddMinutes(1), failedAt, index);
        return record;
    }
}
