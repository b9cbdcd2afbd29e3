using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Reads the host's state from sysfs (md arrays and their members, NVMe namespaces and controllers) and the records
/// that name its arrays. Nothing is remembered between reads: a restarted monitor sees what a running one sees.
/// </summary>
internal sealed class HostObserver(KernelPaths paths, MdArrays md, NvmeTopology topology, IReplicaStateStore? store,
    IReadOnlyList<VolumeKey> volumes, Action<string> warn)
{
    internal KernelPaths Paths { get; } = paths;

    internal HostView Observe(CancellationToken ct)
    {
        var records = ReadRecords(ct);
        var host = topology.Snapshot();
        var namespaces = new Dictionary<string, NamespaceView>(StringComparer.Ordinal);
        foreach (var subsystem in host.Subsystems)
        {
            if (subsystem.Nqn is not { } nqn)
                continue;
            foreach (var ns in subsystem.Namespaces)
                namespaces[ns.Name] = new NamespaceView(ns.Name, nqn, ns, ns.ControllerNames);
        }
        var controllers = host.Controllers.ToDictionary(c => c.Name, c => new ControllerView(c.Name, c.SubsystemNqn, c.State), StringComparer.Ordinal);
        var states = ArrayDevices().Select(d => (Device: d, State: md.GetState(d))).Where(a => a.State is not null).ToList();
        var pathless = new Dictionary<string, NamespaceView>(StringComparer.Ordinal);
        foreach (string member in states.SelectMany(a => a.State!.Members).Select(m => m.KernelName).Distinct(StringComparer.Ordinal))
            if (!namespaces.ContainsKey(member) && topology.ReadPathlessHead(member) is ({ } head, { } headNqn))
                pathless[member] = new NamespaceView(member, headNqn, head, []);
        var partial = new HostView(new Dictionary<string, ArrayView>(), namespaces, controllers, records) { PathlessHeads = pathless };

        var arrays = new Dictionary<string, ArrayView>(StringComparer.Ordinal);
        foreach (var (device, found) in states)
        {
            var state = found!;
            string? uuid = state.Uuid is { } u && TryNormalize(u) is { } n ? n : null;
            var members = state.Members.ToDictionary(m => m.KernelName,
                m => new MemberView(m.KernelName, m.Flags, partial.ReplicaOf(m.KernelName), m.Slot is not null), StringComparer.Ordinal);
            var record = uuid is null ? null : records.FirstOrDefault(r => r.ArrayUuid == uuid);
            arrays[device.Value] = new ArrayView(device, uuid, state.IsRunning, state.Degraded, state.SyncAction, state.SyncCompleted, members, record);
        }
        return partial with { Arrays = arrays };
    }

    /// <summary>The sysfs attributes whose change notifications (sysfs_notify) must wake the monitor for <paramref name="view"/>.</summary>
    internal IReadOnlyList<string> WatchedAttributes(HostView view)
    {
        var attributes = new List<string>();
        foreach (var array in view.Arrays.Values)
        {
            string dir = Paths.SysPath(Path.Combine("block", array.Device.Value, "md"));
            foreach (string attribute in (string[])["array_state", "degraded", "sync_action", "sync_completed"])
                attributes.Add(Path.Combine(dir, attribute));
            foreach (string member in array.Members.Keys)
                attributes.Add(Path.Combine(dir, "dev-" + member.Replace('/', '!'), "state"));
        }
        foreach (var controller in view.Controllers.Values)
            attributes.Add(Paths.SysPath(Path.Combine("class", "nvme", controller.Name, "state")));
        return attributes.Where(File.Exists).ToList();
    }

    /// <summary>The array's event count now (from an in-sync member's superblock), or null when none can be read.</summary>
    internal ulong? EventsOf(ArrayView array)
    {
        foreach (var member in array.Members.Values.Where(m => m.IsActive))
        {
            try
            {
                if (md.Examine(Paths.DevPath(member.KernelName)) is { } sb)
                    return sb.Events;
            }
            catch (NvmeNativeException)
            {
                // Gone or unreadable: another member may answer.
            }
        }
        return null;
    }

    private IEnumerable<MdDeviceName> ArrayDevices()
    {
        string block = Paths.SysPath("block");
        if (!Directory.Exists(block))
            return [];
        return Directory.EnumerateFileSystemEntries(block, "md*")
            .Select(Path.GetFileName)
            .Select(n => MdDeviceName.TryParse(n, out var d) ? d : (MdDeviceName?)null)
            .OfType<MdDeviceName>()
            .Where(d => Directory.Exists(Paths.SysPath(Path.Combine("block", d.Value, "md"))))
            .OrderBy(d => d.Value, StringComparer.Ordinal)
            .ToList();
    }

    private List<ReplicaStateRecord> ReadRecords(CancellationToken ct)
    {
        var records = new List<ReplicaStateRecord>();
        if (store is null)
            return records;
        try
        {
            if (store is IReplicaStateCatalog catalog)
                records.AddRange(catalog.ReadAll(ct).Where(r => r.ArrayUuid is not null));
            foreach (var key in volumes)
                if (records.All(r => r.VolumeKey != key.Value) && store.Read(key, ct) is { } read)
                    records.Add(read.Record);
        }
        catch (ReplicaStateException e)
        {
            warn($"cannot read the replica-state records from {store.Description}: {e.Message}");
        }
        return records;
    }

    private static string? TryNormalize(string uuid)
    {
        try
        {
            return ReplicaStateRecord.NormalizeArrayUuid(uuid);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }
}
