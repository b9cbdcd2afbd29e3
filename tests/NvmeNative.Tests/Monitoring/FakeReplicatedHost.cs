using NvmeNative.Kernel;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.Tests.Md;
using NvmeNative.Tests.ReplicaStateTests;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// A host with a 3-replica volume on a fake kernel tree: replica i is subsystem nvme-subsys{i} with controller nvme{i}
/// and namespace head nvme{i}n1 (its identity <see cref="ReplicaFixtures.Id"/>), the three heads are the members of md127,
/// and the volume's record (alias vol1, the array's uuid) is in a file store. Methods change sysfs as the kernel would.
/// </summary>
internal sealed class FakeReplicatedHost : IDisposable
{
    internal const string Md = "md127";
    internal const string KernelUuid = "01234567-89ab-cdef-0123-456789abcdef";
    internal const int Replicas = 3;

    private readonly string _storeDir = Directory.CreateTempSubdirectory("nvmenative-monitor-store-").FullName;

    internal FakeReplicatedHost(bool withRecord = true)
    {
        for (int i = 0; i < Replicas; i++)
        {
            Sysfs.Controller(i, Id(i).TargetNqn, subsystem: i);
            Sysfs.Head(i, 1, 1, Uuid(i), null, [(i, "optimized")]);
        }
        Sysfs.Md(Md, ("array_state", "clean"), ("level", "raid1"), ("raid_disks", "3"), ("degraded", "0"), ("sync_action", "idle"),
            ("sync_completed", "none"), ("component_size", "1024"), ("uuid", KernelUuid));
        for (int i = 0; i < Replicas; i++)
            Sysfs.Member(Md, Head(i), $"259:{i}", "in_sync", $"{i}");
        Store = new FileReplicaStateStore(_storeDir);
        if (withRecord)
            Store.CompareAndSwap(Key, null, ReplicaStateRecord.New(Key, ReplicaFixtures.T0).WithArray(ReplicaFixtures.ArrayUuid, 10, ReplicaFixtures.T0));
    }

    internal FakeSysfs Sysfs { get; } = new();

    internal FileReplicaStateStore Store { get; }

    internal static VolumeKey Key => ReplicaFixtures.Key(Replicas);

    internal static ReplicaIdentity Id(int i) => ReplicaFixtures.Id(i);

    internal static string Head(int i) => $"nvme{i}n1";

    internal ReplicaStateRecord Record => Store.Read(Key)!.Record;

    internal ReplicaMonitorOptions Options(bool heal = false) => new()
    {
        Paths = Sysfs.Paths,
        ReplicaStateStore = Store,
        Heal = heal,
        RecheckInterval = TimeSpan.FromMinutes(5),
        HookRetryDelay = TimeSpan.FromMilliseconds(1),
    };

    internal ReplicaMonitor Monitor(bool heal = false, Func<IUeventSource>? events = null, ReplicaMonitorOptions? options = null,
        Func<long>? nowMilliseconds = null) =>
        new(options ?? Options(heal), events ?? (() => new NvmeNative.Tests.Kernel.FakeUeventSource()), nowMilliseconds);

    internal void MemberState(int i, string state, string slot = "none") =>
        Sysfs.Attributes(MemberDir(i), ("state", state), ("slot", slot));

    internal void RemoveMember(int i) => Directory.Delete(MemberDir(i), recursive: true);

    internal void AddMember(int i, string state, string slot) => Sysfs.Member(Md, Head(i), $"259:{i}", state, slot);

    internal void Array(params (string Attribute, string Value)[] attributes) => Sysfs.Md(Md, attributes);

    /// <summary>The md device going away at once (moved out of sysfs, then deleted), as one kernel event would leave it.</summary>
    internal void StopArray()
    {
        string gone = Sysfs.At("gone-" + Md + "-" + Guid.NewGuid().ToString("N"));
        Directory.Move(Sysfs.Sys($"block/{Md}"), gone);
        Directory.Delete(gone, recursive: true);
    }

    /// <summary>
    /// A new md device appearing as the kernel shows one: its md/ attributes and its bound members (replicas
    /// <paramref name="members"/>, in sync, in their own slots) all at once, inactive. Built aside and moved into place,
    /// so that no look of the monitor's can see it half made (a directory without array_state, a member without state),
    /// which the kernel never shows.
    /// </summary>
    internal void ArrayAppearsInactive(int degraded, params int[] members)
    {
        string staging = "staging-" + Guid.NewGuid().ToString("N");
        Sysfs.Md(staging, ("array_state", "inactive"), ("level", "raid1"), ("raid_disks", "3"), ("degraded", degraded.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("sync_action", "idle"), ("uuid", KernelUuid));
        foreach (int i in members)
            Sysfs.Member(staging, Head(i), $"259:{i}", "in_sync", $"{i}");
        Directory.Move(Sysfs.Sys($"block/{staging}"), Sysfs.Sys($"block/{Md}"));
    }

    /// <summary>The namespace head going away (namespace disabled on the target: the host removes it).</summary>
    internal void RemoveHead(int i)
    {
        File.Delete(Sysfs.Sys($"block/{Head(i)}"));
        Directory.Delete(Path.Combine(Sysfs.SubsystemDir(i), Head(i)), recursive: true);
    }

    internal void RestoreHead(int i) => Sysfs.AddHead(i, 1, 1, Uuid(i), null);

    private string MemberDir(int i) => Sysfs.Sys($"block/{Md}/md/dev-{Head(i)}");

    private static string Uuid(int i) => Id(i).Namespace["uuid:".Length..];

    public void Dispose()
    {
        Sysfs.Dispose();
        Directory.Delete(_storeDir, recursive: true);
    }
}
