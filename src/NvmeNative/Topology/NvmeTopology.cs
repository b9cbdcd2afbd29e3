using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// Reads the host's NVMe topology from sysfs: subsystems, controllers, namespaces, multipath heads and their
/// paths. Queries are scoped to a target, so their cost follows the target, not everything connected to
/// the host; only <see cref="Snapshot"/> reads everything. Waits are driven by kernel uevents, bounded by a
/// timeout and cancellable. Reading needs no privilege. Thread-safe: the one thing it keeps between calls, which
/// subsystems carry which NQN on the host's own sysfs (kept current by the kernel's uevents), is behind a lock.
/// </summary>
public sealed partial class NvmeTopology
{
    private readonly TopologyReader _reader;
    private readonly Func<IUeventSource> _openEvents;
    // Read on first need: only a wait for a reconnect asks which kernel this is.
    private readonly Lazy<KernelRelease> _release;
    private readonly SubsystemIndex? _index;

    /// <summary>The topology of this host (/sys, /dev).</summary>
    public NvmeTopology() : this(KernelPaths.Host)
    {
    }

    /// <summary>The topology under other roots (a captured sysfs tree in tests, a container's view, ...).</summary>
    public NvmeTopology(KernelPaths paths)
        : this(paths, UeventListener.Open, HostIndexFor(paths))
    {
    }

    /// <param name="paths">The roots.</param>
    /// <param name="openEvents">The event source of the waits.</param>
    /// <param name="indexEvents">The event source that keeps a NQN index of <see cref="ControllersOf"/> of this topology's own; null: no index, every lookup reads every subsystem's NQN.</param>
    internal NvmeTopology(KernelPaths paths, Func<IUeventSource> openEvents, Func<IUeventSource>? indexEvents = null)
        : this(paths, openEvents, indexEvents is null ? null : new SubsystemIndex(new SysfsTree(paths), indexEvents))
    {
    }

    /// <param name="paths">The roots.</param>
    /// <param name="openEvents">The event source of the waits.</param>
    /// <param name="index">The NQN index of <see cref="ControllersOf"/> (see <see cref="HostIndexFor"/>); null: none.</param>
    internal NvmeTopology(KernelPaths paths, Func<IUeventSource> openEvents, SubsystemIndex? index)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _reader = new TopologyReader(new SysfsTree(paths));
        _openEvents = openEvents;
        _release = new Lazy<KernelRelease>(() => KernelRelease.Read(paths));
        _index = index;
    }

    /// <summary>
    /// The process's shared NQN index when <paramref name="paths"/> is the host's own sysfs (its uevents describe it);
    /// null for a captured tree, which is scanned on every lookup.
    /// </summary>
    internal static SubsystemIndex? HostIndexFor(KernelPaths paths) => IsKernelSysfs(paths) ? SubsystemIndex.Host : null;

    /// <summary>
    /// True when the kernel sends a change uevent (<c>NVME_EVENT=connected</c>) each time a controller (re)connects:
    /// Linux 5.18 and later. Before that a reconnect is announced by nothing, so a wait for one re-reads the state.
    /// </summary>
    internal bool AnnouncesReconnects => _release.Value.IsAtLeast(5, 18);

    // Uevents describe the kernel's own sysfs; a captured tree under another root changes without them.
    private static bool IsKernelSysfs(KernelPaths paths) => paths.Sys == KernelPaths.Host.Sys;

    private SysfsTree Tree => _reader.Tree;

    /// <summary>Everything NVMe on the host now (for listing). Costs a read of every controller and namespace.</summary>
    public HostTopology Snapshot() => _reader.Snapshot();

    /// <summary>
    /// True when native NVMe multipath is on (<c>nvme_core.multipath=Y</c>), false when off, null when the
    /// module parameter is absent (nvme_core not loaded, or built without CONFIG_NVME_MULTIPATH).
    /// </summary>
    public bool? IsNativeMultipathEnabled() => SysfsFile.TryRead(Tree.MultipathParameter)?.Trim() switch
    {
        "Y" or "y" or "1" => true,
        "N" or "n" or "0" => false,
        _ => null,
    };

    /// <summary>
    /// A multipath head that has no path left (<c>nvmeSnH</c> whose namespace went away while a holder such as md kept
    /// the head open), read from its own block directory, with its subsystem's NQN; null when <paramref name="blockName"/>
    /// is not such a head. Kernels before 5.15 or so do not give the head back to a namespace that returns: it comes
    /// back as a new head, and the old one lingers, pathless, until its holder lets go (seen in the lab on 5.10).
    /// </summary>
    internal (NvmeNamespace Namespace, string? SubsystemNqn)? ReadPathlessHead(string blockName)
    {
        if (!SysfsNames.TryNamespace(blockName, out int subsystem, out _))
            return null;
        if (_reader.ReadNamespace(blockName, isHead: true, paths: []) is not { } ns)
            return null;
        string subsystemDir = Tree.SubsystemDir(SysfsNames.Subsystem(subsystem));
        if (_reader.ControllerNamesOf(SysfsNames.Subsystem(subsystem))
            .Any(c => _reader.CandidatesOf(c).Any(candidate => candidate.Name == blockName)))
            return null; // it has a path: an ordinary namespace
        return (ns, SysfsTree.Attribute(subsystemDir, "subsysnqn"));
    }

    /// <summary>One controller by name (<c>nvme3</c>), or null when there is none.</summary>
    public NvmeController? FindController(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SysfsNames.TryController(name, out _) ? _reader.ReadController(name, null)
            : throw new ArgumentException($"'{name}' is not a controller name (nvmeN)", nameof(name));
    }

    /// <summary>
    /// The controllers of subsystem <paramref name="nqn"/>, in every state, by instance; optionally only those
    /// at <paramref name="portal"/> (bound to <paramref name="hostTransportAddress"/> and
    /// <paramref name="hostInterface"/> when given) and connected as <paramref name="hostNqn"/>. Reads the NQN
    /// of each host subsystem (on the host's own sysfs only the first time, then again only after a subsystem came or
    /// went), then only the matching subsystem's controllers: no namespace is read.
    /// </summary>
    public IReadOnlyList<NvmeController> ControllersOf(Nqn nqn, Portal? portal = null, Nqn? hostNqn = null,
        string? hostTransportAddress = null, string? hostInterface = null)
    {
        ArgumentNullException.ThrowIfNull(nqn);
        var found = new List<NvmeController>();
        // Without the index every subsystem's NQN is read (the kernel keeps no index by NQN); compared as bytes, so the
        // scan of a host with hundreds of subsystems makes no string per subsystem.
        int max = Encoding.UTF8.GetMaxByteCount(nqn.Value.Length);
        Span<byte> wanted = max <= 1024 ? stackalloc byte[max] : new byte[max];
        wanted = wanted[..Encoding.UTF8.GetBytes(nqn.Value, wanted)];
        // On the host's sysfs the index answers from what it read before, for as long as no subsystem came or went.
        var indexed = _index?.SubsystemsWith(nqn, wanted);
        foreach (string subsystem in indexed ?? _reader.SubsystemNames())
        {
            if (indexed is null && !SysfsTree.AttributeIs(Tree.SubsystemDir(subsystem), "subsysnqn", wanted))
                continue;
            foreach (string name in _reader.ControllerNamesOf(subsystem))
            {
                if (_reader.ReadController(name, subsystem) is not { } controller || !Is(nqn, controller.SubsystemNqn))
                    continue;
                if (portal is not null && !controller.IsAt(portal, hostTransportAddress, hostInterface))
                    continue;
                if (hostNqn is not null && !Is(hostNqn, controller.HostNqn))
                    continue;
                found.Add(controller);
            }
        }
        return found;
    }

    /// <summary>
    /// The namespace device of a volume, looked for only among the namespaces reachable through
    /// <paramref name="controllers"/> (a target's controllers), never another target's: the multipath head
    /// <c>/dev/nvmeSnH</c>, or without multipath the device on a live controller. Null when it is not (yet)
    /// there; a head exists only once one of its paths is live.
    /// </summary>
    /// <exception cref="NvmeNativeException">The identifier matches namespaces of more than one subsystem or
    /// more than one head: the controllers given are not one target's, and guessing could attach the wrong volume.</exception>
    public NvmeNamespace? FindNamespace(IEnumerable<NvmeController> controllers, NamespaceSelector selector)
    {
        ArgumentNullException.ThrowIfNull(controllers);
        ArgumentNullException.ThrowIfNull(selector);
        var owners = new Dictionary<string, NvmeController>(StringComparer.Ordinal);
        foreach (var c in controllers)
            owners.TryAdd(c.Name, c);

        var matches = TopologyReader.Group(owners.Keys.SelectMany(_reader.CandidatesOf))
            .Where(g => IsMatch(g.Name, selector))
            .ToList();
        if (matches.Count == 0)
            return null;

        var nqns = matches.SelectMany(g => g.Controllers).Select(c => owners[c].SubsystemNqn).Distinct().ToList();
        var heads = matches.Where(g => g.IsHead).ToList();
        if (nqns.Count > 1 || heads.Count > 1)
            throw new NvmeNativeException(
                $"{selector} matches {string.Join(", ", matches.Select(m => m.Name))} in subsystems {string.Join(", ", nqns)}; " +
                "the controllers given must be one target's", "find namespace", Tree.ControllerClass);

        if (heads.Count == 1)
            return _reader.ReadNamespace(heads[0].Name, true, heads[0].Paths);

        // Without multipath each controller has its own device for the namespace: prefer one on a live controller.
        var best = matches
            .OrderBy(g => g.Controllers.Any(c => owners[c].IsLive) ? 0 : 1)
            .ThenBy(g => g.Controllers.Min(c => owners[c].Instance))
            .First();
        return _reader.ReadNamespace(best.Name, false, []) is { } plain ? TopologyReader.WithController(plain, best.Controllers) : null;
    }

    /// <summary>Every namespace device reachable through <paramref name="controllers"/> (heads with their paths).</summary>
    public IReadOnlyList<NvmeNamespace> NamespacesOf(IEnumerable<NvmeController> controllers)
    {
        ArgumentNullException.ThrowIfNull(controllers);
        return _reader.NamespacesThrough(controllers.Select(c => c.Name).Distinct(StringComparer.Ordinal)).ToList();
    }

    // NQNs are binary strings: ordinal comparison, as the kernel does.
    private static bool Is(Nqn nqn, string? text) => string.Equals(nqn.Value, text, StringComparison.Ordinal);

    // One attribute read per candidate that has a block device: the identifier being compared.
    private bool IsMatch(string name, NamespaceSelector selector)
    {
        string dir = Tree.BlockDir(name);
        return selector.Kind switch
        {
            // The uuid attribute shows the NGUID of a namespace without UUID (kernel compatibility); a volume
            // identified by that value is that namespace, as os-brick and blktests find it.
            NamespaceIdentifierKind.Uuid => SysfsTree.GuidAttribute(dir, "uuid") == selector.Id,
            NamespaceIdentifierKind.Nguid => SysfsTree.GuidAttribute(dir, "nguid") == selector.Id,
            _ => SysfsTree.UIntAttribute(dir, "nsid") == selector.Nsid!.Value.Value,
        };
    }
}
