using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A replicated volume for kernel tests: file-backed NVMe/TCP exports (one per replica; two unless asked for more) on a
/// fresh nvmet target, its os-brick properties with a unique alias, and a check that nothing of it is left on the host.
/// </summary>
internal sealed class ReplicatedTestVolume : IDisposable
{
    /// <summary>Each replica's size.</summary>
    internal const long Size = 64 << 20;

    internal ReplicatedTestVolume(string prefix, int replicas = 2, long size = Size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 2);
        Requires.NvmeFabrics();
        Requires.Nvmet();
        MdLab.RequireMd();
        Target = new NvmetTarget();
        Exports = Enumerable.Range(0, replicas)
            .Select(i => Target.CreateFileExport(size, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "replica-" + (char)('a' + i)))
            .ToList();
        Alias = MdLab.UniqueName(prefix).Value;
        PropertiesJson = $$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{Alias}}", "replica_count": {{replicas}}, {{KernelFacts.ReplicaLegOptIn}}"volume_replicas": [
              {{string.Join(", ", Exports.Select(Replica))}}]}
            """;
        Properties = ConnectionProperties.Parse(PropertiesJson);
    }

    internal NvmetTarget Target { get; }

    /// <summary>Every replica's export, in <c>volume_replicas</c> order.</summary>
    internal IReadOnlyList<NvmetExport> Exports { get; }

    internal NvmetExport A => Exports[0];

    internal NvmetExport B => Exports[1];

    internal string Alias { get; }

    internal string Link => "/dev/md/" + Alias;

    internal string PropertiesJson { get; }

    internal ConnectionProperties Properties { get; }

    private static string Replica(NvmetExport e) =>
        $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]}""";

    /// <summary>Nothing of the volume is left on the host: no array, no link, no controller of any replica.</summary>
    internal void AssertGone()
    {
        Assert.False(File.Exists(Link) || new FileInfo(Link).LinkTarget is not null, $"{Link} is left behind");
        // /proc/mdstat names no alias; an array left running over NVMe namespaces shows as an active line with nvme members.
        Assert.DoesNotContain(File.ReadAllText("/proc/mdstat").Split('\n'), l => l.Contains(" : active", StringComparison.Ordinal) && l.Contains("nvme", StringComparison.Ordinal));
        var topology = new NvmeTopology();
        foreach (var export in Exports)
            Assert.Empty(topology.ControllersOf(Nqn.Parse(export.Subsystem.Nqn)));
    }

    public void Dispose()
    {
        if (new FileInfo(Link).LinkTarget is { } md)
            MdLab.StopQuietly(MdDeviceName.Parse(Path.GetFileName(md)));
        HostLeftovers.ForgetRecordsOf(Exports.Select(e => e.Subsystem.Nqn));
        Target.Dispose();
    }
}
