using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Topology;

public sealed partial class NvmeTopology
{
    private static readonly object Gone = new();

    /// <summary>
    /// Waits until the namespace of a volume is there among the namespaces of <paramref name="controllers"/>
    /// (see <see cref="FindNamespace"/>) and returns it. Woken by kernel uevents (block devices added,
    /// controllers connected), never by polling.
    /// </summary>
    /// <exception cref="NvmeNativeTimeoutException">It did not appear in time; the message lists the
    /// controllers' states and the namespaces that were there.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public NvmeNamespace WaitForNamespace(IReadOnlyCollection<NvmeController> controllers, NamespaceSelector selector,
        TimeSpan timeout, CancellationToken ct = default)
    {
        using IUeventSource events = _openEvents();
        return WaitForNamespace(events, controllers, selector, timeout, ct);
    }

    /// <summary>As the public overload, with an event source the caller opened earlier (before connecting).</summary>
    internal NvmeNamespace WaitForNamespace(IUeventSource events, IReadOnlyCollection<NvmeController> controllers,
        NamespaceSelector selector, TimeSpan timeout, CancellationToken ct) =>
        AsyncMode.Completed(WaitForNamespaceAsync(events, controllers, selector, timeout, async: false, ct));

    /// <summary>As <see cref="WaitForNamespace(IUeventSource, IReadOnlyCollection{NvmeController}, NamespaceSelector, TimeSpan, CancellationToken)"/>, awaited when <paramref name="async"/>.</summary>
    internal ValueTask<NvmeNamespace> WaitForNamespaceAsync(IUeventSource events, IReadOnlyCollection<NvmeController> controllers,
        NamespaceSelector selector, TimeSpan timeout, bool async, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(controllers);
        ArgumentNullException.ThrowIfNull(selector);
        if (controllers.Count == 0)
            throw new ArgumentException("no controllers to look through", nameof(controllers));
        string names = string.Join(", ", controllers.Select(c => c.Name));
        return KernelWait.UntilAsync(events,
            relevant: e => e.Subsystem is "block" or "nvme",
            check: () => FindNamespace(controllers, selector),
            describe: () => DescribeNamespaces(controllers),
            waitingFor: $"namespace {selector} through {names}",
            timeout, async, ct);
    }

    /// <summary>
    /// Waits until controller <paramref name="name"/> is <c>live</c> and returns it. The kernel sends a
    /// change uevent (<c>NVME_EVENT=connected</c>) each time a controller (re)connects (Linux 5.18 and later; on older
    /// kernels, where nothing announces it, the state is re-read on a short interval); state changes themselves are
    /// neither uevents nor sysfs notifications.
    /// </summary>
    /// <exception cref="NvmeNativeException">The controller is gone or deleting: it will never be live.</exception>
    /// <exception cref="NvmeNativeTimeoutException">It did not become live in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public NvmeController WaitForControllerLive(string name, TimeSpan timeout, CancellationToken ct = default) =>
        AsyncMode.Completed(WaitForControllerLiveAsync(name, timeout, async: false, ct));

    /// <summary>As the public overload, awaited when <paramref name="async"/>.</summary>
    internal async ValueTask<NvmeController> WaitForControllerLiveAsync(string name, TimeSpan timeout, bool async, CancellationToken ct)
    {
        using IUeventSource events = _openEvents();
        return await WaitForControllerLiveAsync(events, name, timeout, async, ct).ConfigureAwait(false);
    }

    /// <summary>As the public overload, with an event source the caller opened earlier.</summary>
    internal NvmeController WaitForControllerLive(IUeventSource events, string name, TimeSpan timeout, CancellationToken ct) =>
        AsyncMode.Completed(WaitForControllerLiveAsync(events, name, timeout, async: false, ct));

    /// <summary>As the public overload, with an event source the caller opened earlier, awaited when <paramref name="async"/>.</summary>
    internal ValueTask<NvmeController> WaitForControllerLiveAsync(IUeventSource events, string name, TimeSpan timeout, bool async, CancellationToken ct)
    {
        CheckControllerName(name);
        string dir = Tree.ControllerDir(name);
        return KernelWait.UntilAsync(events,
            relevant: e => e.KernelName == name && e.Subsystem == "nvme",
            check: () =>
            {
                string? stateName = SysfsTree.Attribute(dir, "state");
                var state = ControllerStates.Parse(stateName);
                if (stateName is null)
                    throw new NvmeNativeException($"controller {name} is gone; it will not become live", "wait for live", dir);
                if (state.IsTerminal())
                    throw new NvmeNativeException($"controller {name} is {stateName}; it will not become live", "wait for live", dir);
                return state == ControllerState.Live ? _reader.ReadController(name, null) : null;
            },
            describe: () => $"{name} state '{SysfsTree.Attribute(dir, "state") ?? "gone"}'",
            waitingFor: $"controller {name} to be live",
            timeout, async, ct, unannounced: AnnouncesReconnects ? null : KernelWait.Unannounced);
    }

    /// <summary>Waits until controller <paramref name="name"/> no longer exists (after a delete), woken by its remove uevent.</summary>
    /// <exception cref="NvmeNativeTimeoutException">It still exists after the timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public void WaitForControllerGone(string name, TimeSpan timeout, CancellationToken ct = default)
    {
        using IUeventSource events = _openEvents();
        WaitForControllerGone(events, name, timeout, ct);
    }

    /// <summary>As the public overload, with an event source the caller opened earlier (before deleting).</summary>
    internal void WaitForControllerGone(IUeventSource events, string name, TimeSpan timeout, CancellationToken ct)
    {
        CheckControllerName(name);
        string dir = Tree.ControllerDir(name);
        KernelWait.Until(events,
            relevant: e => e.KernelName == name && e.Action == "remove",
            check: () => SysfsTree.Exists(dir) ? null : Gone,
            describe: () => $"{name} still there, state '{SysfsTree.Attribute(dir, "state") ?? "unreadable"}'",
            waitingFor: $"controller {name} to be removed",
            timeout, ct);
    }

    /// <summary>What the namespaces of these controllers look like now, for timeout messages.</summary>
    internal string DescribeNamespaces(IEnumerable<NvmeController> controllers)
    {
        var names = controllers.Select(c => c.Name).Distinct(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.AppendJoin(", ", names.Select(n => $"{n} {SysfsTree.Attribute(Tree.ControllerDir(n), "state") ?? "gone"}"));
        var groups = TopologyReader.Group(names.SelectMany(_reader.CandidatesOf)).ToList();
        if (groups.Count == 0)
        {
            text.Append("; no namespaces");
            return text.ToString();
        }
        text.Append("; namespaces: ");
        text.AppendJoin(", ", groups.Select(g =>
        {
            string dir = Tree.BlockDir(g.Name);
            if (SysfsTree.UIntAttribute(dir, "nsid") is not { } nsid)
            {
                string ana = string.Join("/", g.Paths.Select(p =>
                    SysfsTree.Attribute(Path.Combine(Tree.ControllerDir(p.Controller), p.Path), "ana_state") ?? "?"));
                return $"{g.Name} (no block device yet; path ANA {(ana.Length == 0 ? "-" : ana)})";
            }
            return $"{g.Name} (nsid {nsid}, uuid {SysfsTree.Attribute(dir, "uuid") ?? "-"}, nguid {SysfsTree.Attribute(dir, "nguid") ?? "-"})";
        }));
        return text.ToString();
    }

    private static void CheckControllerName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!SysfsNames.TryController(name, out _))
            throw new ArgumentException($"'{name}' is not a controller name (nvmeN)", nameof(name));
    }
}
