using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// Builds model objects from sysfs. Scoped reads: a controller is read from its own directory, a
/// namespace from its own block directory; nothing here walks the whole host except <see cref="Snapshot"/>.
/// </summary>
internal sealed class TopologyReader(SysfsTree tree)
{
    internal SysfsTree Tree { get; } = tree;

    /// <summary>
    /// Reads one controller, or null when it does not exist (or vanished while being read). The subsystem is
    /// the one given, else (when <paramref name="findSubsystem"/>) looked up by which subsystem links to it.
    /// </summary>
    internal NvmeController? ReadController(string name, string? subsystemName, bool findSubsystem = true)
    {
        if (!SysfsNames.TryController(name, out int instance))
            return null;
        string dir = Tree.ControllerDir(name);
        // state exists for every controller; without it the controller is gone.
        string? state = SysfsTree.Attribute(dir, "state");
        if (state is null)
            return null;
        string? address = SysfsTree.Attribute(dir, "address");
        return new NvmeController(name, instance,
            transportName: SysfsTree.Attribute(dir, "transport"),
            address: address is null ? null : ControllerAddress.Parse(address),
            subsystemNqn: SysfsTree.Attribute(dir, "subsysnqn"),
            stateName: state,
            cntlid: SysfsTree.IntAttribute(dir, "cntlid"),
            hostNqn: SysfsTree.Attribute(dir, "hostnqn"),
            hostId: NvmeUuid.TryParse(SysfsTree.Attribute(dir, "hostid"), out var hostId) ? hostId : null,
            numaNode: SysfsTree.IntAttribute(dir, "numa_node"),
            subsystemName: subsystemName ?? (findSubsystem ? FindSubsystemOf(name) : null),
            sysfsPath: dir,
            devicePath: Tree.DevicePath(name));
    }

    /// <summary>The subsystem that links to the controller (libnvme's stat of nvme-subsys*/nvmeC), or null.</summary>
    internal string? FindSubsystemOf(string controllerName) =>
        SubsystemNames().FirstOrDefault(s => SysfsTree.Exists(Path.Combine(Tree.SubsystemDir(s), controllerName)));

    /// <summary>Every <c>nvme-subsysS</c>, by instance.</summary>
    internal IEnumerable<string> SubsystemNames() => SortedNames(SysfsTree.Entries(Tree.SubsystemClass),
        n => SysfsNames.TrySubsystem(n, out int i) ? i : null);

    /// <summary>The controllers a subsystem links to, by instance.</summary>
    internal IEnumerable<string> ControllerNamesOf(string subsystemName) => SortedNames(
        SysfsTree.Entries(Tree.SubsystemDir(subsystemName)), n => SysfsNames.TryController(n, out int i) ? i : null);

    /// <summary>Every controller of the host, by instance.</summary>
    internal IEnumerable<string> AllControllerNames() => SortedNames(SysfsTree.Entries(Tree.ControllerClass),
        n => SysfsNames.TryController(n, out int i) ? i : null);

    /// <summary>
    /// The namespace devices reachable through one controller, from the names in its directory alone:
    /// path disks <c>nvmeScCnH</c> stand for the head <c>nvmeSnH</c>; <c>nvmeXnY</c> is a non-multipath device.
    /// </summary>
    internal IEnumerable<Candidate> CandidatesOf(string controllerName)
    {
        foreach (string entry in SysfsTree.Entries(Tree.ControllerDir(controllerName)))
        {
            if (SysfsNames.TryPath(entry, out int s, out _, out int h))
                yield return new Candidate(SysfsNames.Head(s, h), IsHead: true, controllerName, entry);
            else if (SysfsNames.TryNamespace(entry, out _, out _))
                yield return new Candidate(entry, IsHead: false, controllerName, null);
        }
    }

    /// <summary>
    /// Reads a namespace device, or null when its block device does not exist (a head appears only once a
    /// path is live) or vanished. <paramref name="paths"/> are (path disk, controller) pairs of a head.
    /// </summary>
    internal NvmeNamespace? ReadNamespace(string name, bool isHead, IEnumerable<(string Path, string Controller)> paths)
    {
        string dir = Tree.BlockDir(name);
        if (!NamespaceId.TryParse(SysfsTree.Attribute(dir, "nsid"), out NamespaceId nsid))
            return null;
        string? wwid = SysfsTree.Attribute(dir, "wwid");
        Guid? nguid = SysfsTree.GuidAttribute(dir, "nguid");
        Guid? uuid = TrueUuid(wwid, SysfsTree.GuidAttribute(dir, "uuid"), nguid);
        long? sectors = SysfsTree.LongAttribute(dir, "size");
        var pathList = paths
            .OrderBy(p => p.Controller.Length).ThenBy(p => p.Controller, StringComparer.Ordinal)
            .Select(p => new NamespacePath(p.Path, p.Controller,
                SysfsTree.Attribute(Path.Combine(Tree.ControllerDir(p.Controller), p.Path), "ana_state")))
            .ToList();
        string? subsystem = isHead && SysfsNames.TryNamespace(name, out int s, out _) ? SysfsNames.Subsystem(s) : null;
        return new NvmeNamespace(name, Tree.DevicePath(name), isHead, subsystem, nsid,
            uuid is { } u ? new NvmeUuid(u) : null, nguid is { } g ? new Nguid(g) : null, wwid,
            sectors * 512, pathList, pathList.Select(p => p.ControllerName).ToList());
    }

    /// <summary>
    /// The real UUID: wwid says <c>uuid.X</c> exactly when the namespace has one. Without a readable wwid, the
    /// uuid attribute counts unless it merely repeats the NGUID (the kernel's fallback for UUID-less namespaces).
    /// </summary>
    internal static Guid? TrueUuid(string? wwid, Guid? uuidAttribute, Guid? nguid)
    {
        if (wwid is not null)
            return wwid.StartsWith("uuid.", StringComparison.Ordinal) && Guid.TryParse(wwid.AsSpan(5), out Guid u) ? u : null;
        return uuidAttribute == nguid ? null : uuidAttribute;
    }

    /// <summary>Everything, for listing.</summary>
    internal HostTopology Snapshot()
    {
        var subsystemOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var subsystemNames = SubsystemNames().ToList();
        foreach (string s in subsystemNames)
            foreach (string c in ControllerNamesOf(s))
                subsystemOf.TryAdd(c, s);

        var controllers = AllControllerNames()
            .Select(c => ReadController(c, subsystemOf.GetValueOrDefault(c), findSubsystem: false))
            .OfType<NvmeController>()
            .ToList();

        var subsystems = new List<NvmeSubsystem>();
        foreach (string s in subsystemNames)
        {
            SysfsNames.TrySubsystem(s, out int instance);
            string dir = Tree.SubsystemDir(s);
            var members = controllers.Where(c => c.SubsystemName == s).ToList();
            var namespaces = NamespacesThrough(members.Select(c => c.Name)).ToList();
            subsystems.Add(new NvmeSubsystem(s, instance, SysfsTree.Attribute(dir, "subsysnqn"),
                SysfsTree.Attribute(dir, "subsystype"), SysfsTree.Attribute(dir, "iopolicy"), members, namespaces));
        }
        return new HostTopology(subsystems, controllers);
    }

    /// <summary>Every namespace device reachable through the controllers, each once, heads with all their paths.</summary>
    internal IEnumerable<NvmeNamespace> NamespacesThrough(IEnumerable<string> controllerNames)
    {
        foreach (var group in Group(controllerNames.SelectMany(CandidatesOf)))
        {
            if (group.IsHead)
            {
                if (ReadNamespace(group.Name, true, group.Paths) is { } head)
                    yield return head;
            }
            else if (ReadNamespace(group.Name, false, []) is { } plain)
            {
                yield return WithController(plain, group.Controllers);
            }
        }
    }

    /// <summary>Candidates grouped by device name: a head reached through several controllers is one group.</summary>
    internal static IEnumerable<CandidateGroup> Group(IEnumerable<Candidate> candidates) =>
        candidates
            .GroupBy(c => c.Name, StringComparer.Ordinal)
            .Select(g => new CandidateGroup(g.Key, g.First().IsHead,
                g.Select(c => c.Controller).Distinct(StringComparer.Ordinal).ToList(),
                g.Where(c => c.PathName is not null).Select(c => (c.PathName!, c.Controller)).ToList()))
            .OrderBy(g => g.Name.Length).ThenBy(g => g.Name, StringComparer.Ordinal);

    internal static NvmeNamespace WithController(NvmeNamespace ns, IReadOnlyList<string> controllers) =>
        new(ns.Name, ns.DevicePath, ns.IsMultipathHead, ns.SubsystemName, ns.Nsid, ns.Uuid, ns.Nguid, ns.Wwid,
            ns.SizeBytes, ns.Paths, controllers);

    private static IEnumerable<string> SortedNames(IEnumerable<string> names, Func<string, int?> instance) =>
        names.Select(n => (Name: n, Instance: instance(n)))
            .Where(x => x.Instance is not null)
            .OrderBy(x => x.Instance)
            .Select(x => x.Name);
}

/// <summary>A namespace device seen in one controller's directory.</summary>
internal sealed record Candidate(string Name, bool IsHead, string Controller, string? PathName);

/// <summary>One namespace device and every controller (and path disk) through which it was seen.</summary>
internal sealed record CandidateGroup(string Name, bool IsHead, IReadOnlyList<string> Controllers,
    IReadOnlyList<(string Path, string Controller)> Paths);
