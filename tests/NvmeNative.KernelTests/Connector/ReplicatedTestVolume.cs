using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A replicated volume for kernel tests: two file-backed NVMe/TCP exports (one per replica) on a fresh nvmet target,
/// its os-brick properties with a unique alias, and a check that nothing of it is left on the host.
/// </summary>
internal sealed class ReplicatedTestVolume : IDisposable
{
    /// <summary>Each replica's size.</summary>
    internal const long Size = 64 << 20;

    internal ReplicatedTestVolume(string prefix)
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        MdLab.RequireMd();
        Target = new NvmetTarget();
        A = Target.CreateFileExport(Size, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "replica-a");
        B = Target.CreateFileExport(Size, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "replica-b");
        Alias = MdLab.UniqueName(prefix).Value;
        PropertiesJson = $$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{Alias}}", "replica_count": 2, "volume_replicas": [
              {{Replica(A)}}, {{Replica(B)}}]}
            """;
        Properties = ConnectionProperties.Parse(PropertiesJson);
    }

    internal NvmetTarget Target { get; }

    internal NvmetExport A { get; }

    internal NvmetExport B { get; }

    internal string Alias { get; }

    internal string Link => "/dev/md/" + Alias;

    internal string PropertiesJson { get; }

    internal ConnectionProperties Properties { get; }

    private static string Replica(NvmetExport e) =>
        $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]}""";

    /// <summary>Nothing of the volume is left on the host: no array, no link, no controller of either replica.</summary>
    internal void AssertGone()
    {
        Assert.False(File.Exists(Link) || new FileInfo(Link).LinkTarget is not null, $"{Link} is left behind");
        // /proc/mdstat names no alias; an array left running over NVMe namespaces shows as an active line with nvme members.
        Assert.DoesNotContain(File.ReadAllText("/proc/mdstat").Split('\n'), l => l.Contains(" : active", StringComparison.Ordinal) && l.Contains("nvme", StringComparison.Ordinal));
        var topology = new NvmeTopology();
        Assert.Empty(topology.ControllersOf(Nqn.Parse(A.Subsystem.Nqn)));
        Assert.Empty(topology.ControllersOf(Nqn.Parse(B.Subsystem.Nqn)));
    }

    public void Dispose()
    {
        if (new FileInfo(Link).LinkTarget is { } md)
            MdLab.StopQuietly(MdDeviceName.Parse(Path.GetFileName(md)));
        Target.Dispose();
    }
}
