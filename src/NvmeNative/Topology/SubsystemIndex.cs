using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// Which subsystems carry an NQN, remembered between lookups so that a long-lived process (an agent attaching and
/// detaching volumes) does not read the NQN of every subsystem on the host for each one. The kernel keeps no index by
/// NQN, and the first lookup reads them all; afterwards a lookup reads the NQN of those subsystems alone that a uevent
/// of the <c>nvme-subsystem</c> class named since (a subsystem added, or removed and created again under the same name):
/// the cost of a lookup grows with the changes, not with the host. Whether every event reached this socket is the
/// kernel's to say: <c>/sys/kernel/uevent_seqnum</c> counts every uevent it sent, and when the highest SEQNUM received
/// has reached it (or no event was sent since the last listing), nothing can have been missed and no directory is
/// listed. Otherwise (an event still on its way, a network namespace that uevents do not reach, a kernel without the
/// counter) the lookup lists the subsystems (one directory listing, no attribute read) and reads the NQN of those new
/// in the listing as well. Lost events (the socket overflowed) make the next lookup read
/// every NQN again. The event socket is opened before the first read, so no subsystem created after that read can be
/// missed; each subsystem returned is read again (its NQN must still match). Only the host's own sysfs is indexed:
/// uevents say nothing about a captured tree.
/// </summary>
/// <remarks>
/// One index serves every topology and connector of the process that reads the host's sysfs (<see cref="Host"/>): it
/// holds one netlink socket for the life of the process, opened on the first lookup, so connectors made and dropped
/// (one per request, per thread) neither open a socket each nor leave one behind for the finaliser. Lookups from
/// several threads take turns on its lock; each is a few reads (a directory listing too when events may have been missed).
/// Only network devices' uevents are sent to one network namespace alone; those of nvme and block devices go to every
/// uevent socket whose network namespace belongs to the initial user namespace, so a SEQNUM skipped on the way to the
/// kernel's count is another namespace's network device, never a subsystem. A subsystem whose event is still being
/// sent when a lookup runs may be missed by that lookup, as it would be by one a moment earlier; a connect returns only
/// after the kernel has sent its subsystem's event, so a lookup after a connect always finds what it created.
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

    // The kernel's uevent count when the subsystems were last listed, and the highest SEQNUM received: once the latter has
    // reached the kernel's count, every event sent since the listing is here.
    private ulong? _listedAt;
    private ulong _received;

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
            // Read after the drain: an event sent after this read is taken by the next lookup.
            ulong? sent = KernelUeventCount();
            if (_nqnOf is not null && sent is ulong count && _listedAt is ulong listedAt && Math.Max(listedAt, _received) >= count)
            {
                UpdateAnnounced(); // every event the kernel sent since the listing is here: they name every change
            }
            else
            {
                // The names present (one directory listing, no attribute read) decide what is read: a subsystem that came
                // or went while its event was lost (or never sent to this namespace) is caught here too.
                var listed = List();
                if (_nqnOf is null)
                    ReadAll(listed);
                else
                    Update(listed);
                _listedAt = sent;
            }
            _announced.Clear();
            var found = Matching(nqn);
            // A subsystem's NQN never changes; one that no longer matches was replaced without our seeing the events.
            foreach (string name in found)
            {
                if (!SysfsTree.AttributeIs(tree.SubsystemDir(name), "subsysnqn", nqnUtf8))
                {
                    _listedAt = KernelUeventCount();
                    ReadAll(List());
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
                else if (receipt.Message is { } message)
                {
                    if (message.Properties.TryGetValue("SEQNUM", out string? seq)
                        && ulong.TryParse(seq, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong n))
                        _received = Math.Max(_received, n);
                    if (message.Subsystem == "nvme-subsystem")
                        _announced.Add(message.KernelName);
                }
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

    /// <summary>How many times the subsystems were listed (the kernel tests see when events alone answered).</summary>
    internal int Listings { get; private set; }

    private HashSet<string> List()
    {
        Listings++;
        return SysfsTree.Entries(tree.SubsystemClass).Where(n => SysfsNames.TrySubsystem(n, out _)).ToHashSet(StringComparer.Ordinal);
    }

    // Every uevent the kernel has sent (to any socket, in any network namespace); null where it does not say.
    private ulong? KernelUeventCount() =>
        ulong.TryParse(SysfsTree.Attribute(Path.Combine(tree.Paths.Sys, "kernel"), "uevent_seqnum"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out ulong n) ? n : null;

    // The subsystems the events named, and those alone: present ones are read again, absent ones forgotten.
    private void UpdateAnnounced()
    {
        foreach (string name in _announced)
        {
            Forget(name);
            if (SysfsNames.TrySubsystem(name, out _) && SysfsTree.Exists(tree.SubsystemDir(name)))
                Set(name);
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
