using System.Net;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.KernelTests.Md;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>The four ways a replica is lost in the loss tests.</summary>
public enum ReplicaLoss
{
    /// <summary>The subsystem is unlinked from its nvmet port (the target closes the connection).</summary>
    PortRemoved,

    /// <summary>The namespace is disabled on the target (the host removes its disk).</summary>
    NamespaceDisabled,

    /// <summary>The controller is deleted on the host (delete_controller).</summary>
    ControllerDeleted,

    /// <summary>The target's address is taken off the interface (silent: only keep-alive notices).</summary>
    AddressGone,
}

/// <summary>
/// A replicated volume of N replicas for loss tests: each replica a small file-backed NVMe/TCP export on a port of its
/// own, at an address of its own (10.213.R.i/32 on lo) so that taking the address away loses only that replica. It
/// loses a replica by each <see cref="ReplicaLoss"/>, restores it, and re-adds it to the running array.
/// </summary>
internal sealed class ReplicaLossVolume : IDisposable
{
    internal const long Size = 16 << 20;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly List<string> _addresses = [];

    internal ReplicaLossVolume(string prefix, int replicas)
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        MdLab.RequireMd();
        Requires.Tool("ip");
        Target = new NvmetTarget();
        int net = Random.Shared.Next(1, 250);
        try
        {
            for (int i = 0; i < replicas; i++)
            {
                string address = $"10.213.{net}.{i + 1}";
                Tools.Check("ip", "addr", "add", address + "/32", "dev", "lo");
                _addresses.Add(address);
                Replicas.Add(Target.CreateFileExport(Size, new NamespaceOptions { Uuid = Guid.NewGuid() }, IPAddress.Parse(address),
                    label: $"{prefix}-{i}"));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Alias = MdLab.UniqueName(prefix).Value;
        Properties = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{Alias}}", "replica_count": {{replicas}}, "volume_replicas": [
              {{string.Join(", ", Replicas.Select(Replica))}}]}
            """);
    }

    internal NvmetTarget Target { get; }

    internal List<NvmetExport> Replicas { get; } = [];

    internal string Alias { get; }

    internal string Link => "/dev/md/" + Alias;

    internal ConnectionProperties Properties { get; }

    /// <summary>The md device behind /dev/md/ALIAS.</summary>
    internal MdDeviceName Md => MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget(Link, true)!.FullName));

    /// <summary>Replica <paramref name="index"/>'s disk on this host now, or null.</summary>
    internal string? Disk(int index) => HostNamespaces.DiskWithUuid(Replicas[index].Namespace.Uuid);

    private static string Replica(NvmetExport e) =>
        $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]}""";

    /// <summary>Loses replica <paramref name="index"/> by <paramref name="how"/>.</summary>
    internal void Lose(int index, ReplicaLoss how)
    {
        var export = Replicas[index];
        switch (how)
        {
            case ReplicaLoss.PortRemoved:
                export.Port.Unlink(export.Subsystem);
                break;
            case ReplicaLoss.NamespaceDisabled:
                export.Namespace.Disable();
                break;
            case ReplicaLoss.ControllerDeleted:
                foreach (var controller in new NvmeTopology().ControllersOf(Nqn.Parse(export.Subsystem.Nqn)))
                    File.WriteAllText($"/sys/class/nvme/{controller.Name}/delete_controller", "1");
                break;
            case ReplicaLoss.AddressGone:
                Tools.Check("ip", "addr", "del", _addresses[index] + "/32", "dev", "lo");
                break;
        }
    }

    /// <summary>
    /// Undoes <see cref="Lose"/>: the target is back (a deleted controller is connected again with the replica-leg
    /// options, as the connector would) and the replica's disk is there again; returns it.
    /// </summary>
    internal string Restore(int index, ReplicaLoss how)
    {
        var export = Replicas[index];
        switch (how)
        {
            case ReplicaLoss.PortRemoved:
                export.Port.Link(export.Subsystem);
                break;
            case ReplicaLoss.NamespaceDisabled:
                export.Namespace.Enable();
                break;
            case ReplicaLoss.ControllerDeleted:
                var options = ControllerTimeouts.ReplicaLeg.ApplyTo(FabricsOptions.ForPortal(Nqn.Parse(export.Subsystem.Nqn),
                    new Portal(export.Port.TrAddr, (ushort)export.Port.TrSvcId, Transport.Tcp), HostIdentityStore.LoadOrCreate(KernelPaths.Host)));
                new FabricsConnector().Connect(options);
                break;
            case ReplicaLoss.AddressGone:
                Tools.Check("ip", "addr", "add", _addresses[index] + "/32", "dev", "lo");
                break;
        }
        string? disk = null;
        SysfsWait.Until(() => (disk = Disk(index)) is not null && IsLive(index), Deadline, $"replica {index}'s disk back and its controller live",
            () => string.Join(", ", new NvmeTopology().ControllersOf(Nqn.Parse(export.Subsystem.Nqn)).Select(c => c.ToString())));
        return "/dev/" + disk;
    }

    /// <summary>True when a controller of replica <paramref name="index"/> is live.</summary>
    internal bool IsLive(int index) =>
        new NvmeTopology().ControllersOf(Nqn.Parse(Replicas[index].Subsystem.Nqn)).Any(c => c.IsLive);

    /// <summary>
    /// Puts replica <paramref name="index"/> back into the running array (what the monitor will do): a faulty member
    /// left from it is removed, then its disk is re-added (md copies what the bitmap marks); waits until all are in sync.
    /// </summary>
    internal void ReAdd(MdArrays arrays, MdDeviceName md, string lostKernelName, string disk, CancellationToken ct)
    {
        if (arrays.GetState(md)!.Members.Any(m => m.KernelName == lostKernelName))
            arrays.RemoveMember(md, File.Exists("/dev/" + lostKernelName) ? "/dev/" + lostKernelName : lostKernelName, TimeSpan.FromSeconds(60), ct);
        else // its disk was deleted (namespace disabled, controller deleted): sysfs no longer lists it, md still holds its slot
            Tools.Check("mdadm", arrays.NodePath(md), "--remove", "detached");
        arrays.ReAddMember(md, disk);
        arrays.WaitForInSync(md, TimeSpan.FromMinutes(5), ct);
    }

    /// <summary>Every leg's data region (past the data offset, the array's size) reads the same.</summary>
    internal void AssertLegsIdentical(MdArrays arrays, MdDeviceName md)
    {
        long size = BlockDevices.SizeBytes(arrays.NodePath(md));
        var regions = new List<(string Disk, long Offset)>();
        for (int i = 0; i < Replicas.Count; i++)
        {
            string disk = "/dev/" + Disk(i);
            MdLab.FlushBuffers(disk);
            regions.Add((disk, Examine.DataOffsetBytes(disk)));
        }
        MdLab.AssertSameData(regions, size);
    }

    /// <summary>Nothing of the volume is left: no array over its replicas, no link, no controller.</summary>
    internal void AssertGone()
    {
        Assert.False(File.Exists(Link) || new FileInfo(Link).LinkTarget is not null, $"{Link} is left behind");
        var topology = new NvmeTopology();
        foreach (var export in Replicas)
            Assert.Empty(topology.ControllersOf(Nqn.Parse(export.Subsystem.Nqn)));
    }

    public void Dispose()
    {
        if (new FileInfo(Link).LinkTarget is { } md)
            MdLab.StopQuietly(MdDeviceName.Parse(Path.GetFileName(md)));
        var topology = new NvmeTopology();
        foreach (var export in Replicas)
            foreach (var controller in topology.ControllersOf(Nqn.Parse(export.Subsystem.Nqn)))
                try { File.WriteAllText($"/sys/class/nvme/{controller.Name}/delete_controller", "1"); } catch (IOException) { }
        HostLeftovers.ForgetRecordsOf(Replicas.Select(e => e.Subsystem.Nqn));
        Target.Dispose();
        foreach (var address in _addresses)
            Tools.Run("ip", "addr", "del", address + "/32", "dev", "lo");
    }
}
