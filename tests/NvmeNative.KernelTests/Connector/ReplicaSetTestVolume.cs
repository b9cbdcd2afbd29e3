using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.KernelTests.Md;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A replicated volume of any number of replicas for kernel tests: one file-backed NVMe/TCP export per replica on a
/// fresh nvmet target (any host may connect, so properties with another <c>host_nqn</c> work too), os-brick
/// properties with a unique alias (optionally as another host, through <c>host_nqn</c>), the fault controls a test
/// needs (cut a replica off, lose its namespace while the array runs), and a check that nothing of it is left.
/// </summary>
internal sealed class ReplicaSetTestVolume : IDisposable
{
    /// <summary>Each replica's size: small, every test runs under emulation on every kernel.</summary>
    internal const long DefaultSize = 32 << 20;

    internal ReplicaSetTestVolume(string prefix, int replicaCount, long size = DefaultSize)
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        MdLab.RequireMd();
        Target = new NvmetTarget();
        try
        {
            Replicas = Enumerable.Range(0, replicaCount)
                .Select(i => Target.CreateFileExport(size, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "replica-" + (char)('a' + i)))
                .ToList();
        }
        catch
        {
            Target.Dispose();
            throw;
        }
        Alias = MdLab.UniqueName(prefix).Value;
        VolumeUuid = Guid.NewGuid();
        PropertiesJson = JsonFor(null);
        Properties = ConnectionProperties.Parse(PropertiesJson);
    }

    internal NvmetTarget Target { get; }

    internal IReadOnlyList<NvmetExport> Replicas { get; }

    internal string Alias { get; }

    internal Guid VolumeUuid { get; }

    internal string Link => "/dev/md/" + Alias;

    /// <summary>The properties as this host's own identity attaches them.</summary>
    internal string PropertiesJson { get; }

    internal ConnectionProperties Properties { get; }

    /// <summary>The record key the connector files the volume under (alias plus every replica's identity).</summary>
    internal VolumeKey Key => VolumeKey.Create(Properties.Alias,
        Properties.Targets.Select(t => ReplicaIdentity.From(t.SubsystemNqn, t.NamespaceUuid, t.Nguid, t.NamespaceId)));

    /// <summary>The properties as host <paramref name="hostNqn"/> attaches them (os-brick's <c>host_nqn</c> on each replica).</summary>
    internal string JsonFor(string? hostNqn)
    {
        string host = hostNqn is null ? "" : $", \"host_nqn\": {JsonSerializer.Serialize(hostNqn)}";
        var replicas = Replicas.Select(e =>
            $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]{{host}}}""");
        return $$"""
            {"vol_uuid": "{{VolumeUuid}}", "alias": "{{Alias}}", "replica_count": {{Replicas.Count}}, {{KernelFacts.ReplicaLegOptIn}}"volume_replicas": [
              {{string.Join(",\n  ", replicas)}}]}
            """;
    }

    internal ConnectionProperties PropertiesFor(string hostNqn) => ConnectionProperties.Parse(JsonFor(hostNqn));

    /// <summary>Replica <paramref name="i"/>'s target stops listening: a connect to it is refused.</summary>
    internal void CutOff(int i) => Replicas[i].Port.Unlink(Replicas[i].Subsystem);

    /// <summary>Replica <paramref name="i"/>'s target listens again.</summary>
    internal void Reconnect(int i) => Replicas[i].Port.Link(Replicas[i].Subsystem);

    /// <summary>The running array behind <see cref="Link"/>.</summary>
    internal MdDeviceName RunningArray() =>
        MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget(Link, returnFinalTarget: true)?.FullName
            ?? throw new InvalidOperationException($"{Link} does not exist")));

    /// <summary>
    /// Takes replicas' namespaces away on the target while the array runs and writes through the array until md
    /// has failed every one of them (a failfast member is failed on its first write error); returns the array state.
    /// </summary>
    internal MdArrayState LoseWhileWriting(MdArrays arrays, string devicePath, long offset, byte[] data, CancellationToken ct, params int[] lost)
    {
        var md = RunningArray();
        int degradedBefore = arrays.GetState(md)!.Degraded;
        foreach (int i in lost)
            Replicas[i].Namespace.Disable();
        MdLab.WriteDevice(devicePath, offset, data);
        return arrays.WaitFor(md, s => s.Degraded >= degradedBefore + lost.Length, $"{lost.Length} more mirrors failed",
            TimeSpan.FromMinutes(2), ct);
    }

    /// <summary>The replica's md events from its backing file on the target side (mdadm reads it, no host path involved).</summary>
    internal long BackingEvents(int i) =>
        long.Parse(Examine.Field(ExamineBacking(i), "Events"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// mdadm --examine of replica <paramref name="i"/>'s backing file, through a read-only loop device: mdadm opens
    /// with O_DIRECT, which tmpfs files refuse before 6.6 (EINVAL); the loop driver's buffered reads do not.
    /// </summary>
    internal string ExamineBacking(int i)
    {
        string loop = Tools.Check("losetup", "--find", "--show", "--read-only", Replicas[i].Namespace.DevicePath).Trim();
        try
        {
            return Examine.Of(loop);
        }
        finally
        {
            Tools.Run("losetup", "--detach", loop);
        }
    }

    /// <summary>Nothing of the volume is left on the host: no array, no link, no controller of any replica (for any host NQN).</summary>
    internal void AssertGone()
    {
        Assert.False(File.Exists(Link) || new FileInfo(Link).LinkTarget is not null, $"{Link} is left behind");
        // /proc/mdstat names no alias; an array left running over NVMe namespaces shows as an active line with nvme members.
        Assert.DoesNotContain(File.ReadAllText("/proc/mdstat").Split('\n'), l => l.Contains(" : active", StringComparison.Ordinal) && l.Contains("nvme", StringComparison.Ordinal));
        var topology = new NvmeTopology();
        foreach (var replica in Replicas)
            Assert.Empty(topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn)));
    }

    /// <summary>Deletes the controllers host <paramref name="hostNqn"/> holds to the replicas, as a host that vanished would leave them gone.</summary>
    internal int DeleteControllersOf(string hostNqn)
    {
        var topology = new NvmeTopology();
        var fabrics = new FabricsConnector();
        int deleted = 0;
        foreach (var replica in Replicas)
        {
            foreach (var controller in topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn), hostNqn: Nqn.Parse(hostNqn)))
                deleted += fabrics.DeleteController(controller.Instance) ? 1 : 0;
        }
        return deleted;
    }

    public void Dispose()
    {
        try
        {
            // A failed test may leave the array running and controllers connected: stop and delete them, so the
            // host does not reconnect for ever to a target that is gone.
            foreach (string md in HeldBy())
                Tools.Run("mdadm", "--stop", "/dev/" + md);
            var topology = new NvmeTopology();
            var fabrics = new FabricsConnector();
            foreach (var replica in Replicas)
            {
                foreach (var controller in topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn)))
                {
                    try
                    {
                        fabrics.DeleteController(controller.Instance);
                    }
                    catch (NvmeNative.Errors.NvmeNativeException)
                    {
                        // best effort: the target's teardown below ends it either way
                    }
                }
            }
        }
        finally
        {
            HostLeftovers.ForgetRecordsOf(Replicas.Select(e => e.Subsystem.Nqn));
            Target.Dispose();
        }
    }

    // The md devices holding any namespace of the replicas' controllers.
    private List<string> HeldBy()
    {
        var topology = new NvmeTopology();
        var held = new List<string>();
        foreach (var replica in Replicas)
        {
            foreach (var ns in topology.NamespacesOf(topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn))))
            {
                string holders = $"/sys/block/{ns.Name}/holders";
                if (Directory.Exists(holders))
                    held.AddRange(Directory.GetFileSystemEntries(holders).Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith("md", StringComparison.Ordinal)));
            }
        }
        return held.Distinct().ToList();
    }
}
