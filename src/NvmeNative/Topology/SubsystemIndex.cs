using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// Which subsystems carry an NQN, remembered between lookups so that a long-lived process (an agent attaching and
/// detaching volumes) does not read the NQN of every subsystem on the host for each one. The kernel keeps no index by
/// NQN, and the first lookup reads them all; afterwards the map stays valid until the kernel announces that an
/// <c>nvme-subsystem</c> device came or went (a uevent), events were lost, or the subsystems listed are not the ones
/// read (one directory listing per lookup, in case an event never reached this socket). The event socket is opened
/// before the first read, so no subsystem created after that read can be missed; each subsystem returned is read again
/// (its NQN must still match). Only the host's own sysfs is indexed: uevents say nothing about a captured tree.
/// </summary>
internal sealed class SubsystemIndex(SysfsTree tree, TopologyReader reader, Func<IUeventSource> openEvents)
{
    private readonly object _gate = new();
    private IUeventSource? _events;
    private bool _unavailable;
    private Dictionary<string, string[]>? _subsystemsByNqn;
    private HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>
    /// The subsystems whose NQN is <paramref name="nqn"/>, by instance; null when there is no event stream to keep an
    /// index with (the caller scans every subsystem, as it always did).
    /// </summary>
    internal IReadOnlyList<string>? SubsystemsWith(Nqn nqn, ReadOnlySpan<byte> nqnUtf8)
    {
        lock (_gate)
        {
            if (!Open())
                return null;
            if (!DrainEvents())
                return null;
            // The names present (one directory listing, no attribute read) must be the ones read: a subsystem that came
            // or went while its event was lost (or never sent to this namespace) is caught here too.
            var listed = SysfsTree.Entries(tree.SubsystemClass);
            if (_subsystemsByNqn is null || listed.Count != _names.Count || !listed.All(_names.Contains))
            {
                var names = reader.SubsystemNames().ToList(); // by instance
                (_subsystemsByNqn, _names) = (ReadAll(names), names.ToHashSet(StringComparer.Ordinal));
            }
            var found = Matching(nqn);
            // A subsystem's NQN never changes; one that no longer matches was replaced without our seeing the events.
            foreach (string name in found)
            {
                if (!SysfsTree.AttributeIs(tree.SubsystemDir(name), "subsysnqn", nqnUtf8))
                {
                    var names = reader.SubsystemNames().ToList();
                    (_subsystemsByNqn, _names) = (ReadAll(names), names.ToHashSet(StringComparer.Ordinal));
                    return Matching(nqn);
                }
            }
            return found;
        }
    }

    /// <summary>Opens the event stream once; false (and the index stays off) when the kernel refuses it.</summary>
    private bool Open()
    {
        if (_events is not null)
            return true;
        if (_unavailable)
            return false;
        try
        {
            _events = openEvents();
            return true;
        }
        catch (NvmeNativeException)
        {
            _unavailable = true; // no netlink here (a sandbox): every lookup scans
            return false;
        }
    }

    /// <summary>
    /// Takes every event queued since the last lookup: a subsystem that came or went, or a lost event, clears the map.
    /// False when the socket failed: the index is off from then on (and its map dropped), and the caller scans.
    /// </summary>
    private bool DrainEvents()
    {
        try
        {
            while (true)
            {
                var receipt = _events!.Receive(TimeSpan.Zero, CancellationToken.None);
                if (receipt.Kind == UeventReceiptKind.TimedOut)
                    return true;
                if (receipt.Kind == UeventReceiptKind.Overflow || receipt.Message?.Subsystem == "nvme-subsystem")
                    _subsystemsByNqn = null;
            }
        }
        catch (NvmeNativeException)
        {
            _events!.Dispose();
            _events = null;
            _unavailable = true;
            _subsystemsByNqn = null;
            return false;
        }
    }

    /// <summary>Reads every subsystem's NQN: the subsystems of each NQN, by instance.</summary>
    private Dictionary<string, string[]> ReadAll(List<string> names)
    {
        var byNqn = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string name in names) // by instance
        {
            if (SysfsTree.Attribute(tree.SubsystemDir(name), "subsysnqn") is not { } nqn)
                continue;
            if (!byNqn.TryGetValue(nqn, out var same))
                byNqn[nqn] = same = [];
            same.Add(name);
        }
        return byNqn.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    private string[] Matching(Nqn nqn) => _subsystemsByNqn!.GetValueOrDefault(nqn.Value) ?? [];
}
