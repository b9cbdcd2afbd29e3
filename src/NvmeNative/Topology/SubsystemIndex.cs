using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// Which subsystems carry an NQN, remembered between lookups so that a long-lived process (an agent attaching and
/// detaching volumes) does not read the NQN of every subsystem on the host for each one. The kernel keeps no index by
/// NQN, and the first lookup reads them all; afterwards each lookup lists the subsystems (one directory listing, no
/// attribute read) and reads the NQN of those alone that are new in the listing or that a uevent of the
/// <c>nvme-subsystem</c> class named since (a subsystem removed and created again under the same name): the cost of a
/// lookup grows with the changes, not with the host. Lost events (the socket overflowed) make the next lookup read
/// every NQN again. The event socket is opened before the first read, so no subsystem created after that read can be
/// missed; each subsystem returned is read again (its NQN must still match). Only the host's own sysfs is indexed:
/// uevents say nothing about a captured tree.
/// </summary>
/// <remarks>
/// One index serves every topology and connector of the process that reads the host's sysfs (<see cref="Host"/>): it
/// holds one netlink socket for the life of the process, opened on the first lookup, so connectors made and dropped
/// (one per request, per thread) neither open a socket each nor leave one behind for the finaliser. Lookups from
/// several threads take turns on its lock; each is a directory listing and a few reads.
/// </remarks>
internal sealed class SubsystemIndex(SysfsTree tree, Func<IUeventSource> openEvents)
{
    private static readonly Lazy<SubsystemIndex> HostIndex = new(() => new SubsystemIndex(new SysfsTree(KernelPaths.Host), UeventListener.Open));

    private readonly object _gate = new();
    private IUeventSource? _events;
    private bool _unavailable;

    // Null until the first lookup, and again after lost events: then every subsystem's NQN is read.
    private Dictionary<string, string?>? _nqnOf; // subsystem name -> its NQN (null: unreadable then)
    private readonly Dictionary<string, List<string>> _byNqn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);

    /// <summary>The index of the host's sysfs, shared by the whole process (its socket opens on the first lookup).</summary>
    internal static SubsystemIndex Host => HostIndex.Value;

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
            // The names present (one directory listing, no attribute read) decide what is read: a subsystem that came
            // or went while its event was lost (or never sent to this namespace) is caught here too.
            var listed = SysfsTree.Entries(tree.SubsystemClass).Where(n => SysfsNames.TrySubsystem(n, out _)).ToHashSet(StringComparer.Ordinal);
            if (_nqnOf is null)
                ReadAll(listed);
            else
                Update(listed);
            _announced.Clear();
            var found = Matching(nqn);
            // A subsystem's NQN never changes; one that no longer matches was replaced without our seeing the events.
            foreach (string name in found)
            {
                if (!SysfsTree.AttributeIs(tree.SubsystemDir(name), "subsysnqn", nqnUtf8))
                {
                    ReadAll(listed);
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
    /// Takes every event queued since the last lookup: a subsystem that came or went is remembered by name (read again),
    /// a lost event drops the map. False when the socket failed: the index is off from then on (and its map dropped),
    /// and the caller scans.
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
                if (receipt.Kind == UeventReceiptKind.Overflow)
                    _nqnOf = null;
                else if (receipt.Message is { Subsystem: "nvme-subsystem" } message)
                    _announced.Add(message.KernelName);
            }
        }
        catch (NvmeNativeException)
        {
            _events!.Dispose();
            _events = null;
            _unavailable = true;
            _nqnOf = null;
            return false;
        }
    }

    /// <summary>Reads every listed subsystem's NQN.</summary>
    private void ReadAll(HashSet<string> listed)
    {
        _nqnOf = new Dictionary<string, string?>(StringComparer.Ordinal);
        _byNqn.Clear();
        foreach (string name in listed)
            Set(name);
    }

    /// <summary>Forgets the subsystems no longer listed, reads the new and the announced ones.</summary>
    private void Update(HashSet<string> listed)
    {
        foreach (string gone in _nqnOf!.Keys.Where(n => !listed.Contains(n)).ToList())
            Forget(gone);
        foreach (string name in listed)
        {
            if (!_nqnOf.ContainsKey(name) || _announced.Contains(name))
            {
                Forget(name);
                Set(name);
            }
        }
    }

    private void Set(string name)
    {
        string? nqn = SysfsTree.Attribute(tree.SubsystemDir(name), "subsysnqn");
        _nqnOf![name] = nqn;
        if (nqn is null)
            return;
        if (!_byNqn.TryGetValue(nqn, out var same))
            _byNqn[nqn] = same = [];
        same.Add(name);
    }

    private void Forget(string name)
    {
        if (!_nqnOf!.Remove(name, out string? nqn) || nqn is null || !_byNqn.TryGetValue(nqn, out var same))
            return;
        same.Remove(name);
        if (same.Count == 0)
            _byNqn.Remove(nqn);
    }

    /// <summary>The subsystems of an NQN, by instance.</summary>
    private string[] Matching(Nqn nqn) =>
        _byNqn.TryGetValue(nqn.Value, out var same)
            ? [.. same.OrderBy(n => SysfsNames.TrySubsystem(n, out int instance) ? instance : int.MaxValue)]
            : [];
}
