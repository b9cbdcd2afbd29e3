using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Watches the host's replicated volumes (md RAID1 arrays over NVMe namespaces) and their replicas' controllers by
/// kernel notification: poll(2) on the md attributes that md notifies (<c>array_state</c>, <c>degraded</c>,
/// <c>sync_action</c>, <c>sync_completed</c>, <c>dev-*/state</c>) and on the controllers' <c>state</c>, and uevents
/// for arrays, namespaces and controllers appearing and going away. Each wake-up re-reads the host and turns the
/// difference into typed <see cref="ReplicaEvent"/>s, which are written to the volume's replica-state record at once
/// (a failed member is failed at the array's event count before anyone hears of it), handed to the agent's hook off
/// the monitor's path, and published to subscribers and readers. With <see cref="ReplicaMonitorOptions.Heal"/> it puts
/// reachable failed replicas back. It keeps no state that matters across a restart: sysfs and the record are the truth.
/// </summary>
public sealed class ReplicaMonitor : IAsyncDisposable
{
    private static readonly HashSet<string> WatchedSubsystems = new(StringComparer.Ordinal) { "block", "nvme", "nvme-subsystem" };

    private readonly ReplicaMonitorOptions _options;
    private readonly ILogger _log;
    private readonly MdArrays _md;
    private readonly HostObserver _observer;
    private readonly Func<IUeventSource> _openEvents;
    private readonly Lock _gate = new();
    private readonly List<Action<ReplicaEvent>> _subscribers = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly HashSet<string> _fullRebuilds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _healRefused = new(StringComparer.Ordinal);
    private readonly List<ReplicaEvent> _unrecorded = [];
    private int _wakePending;
    private HostView _last = HostView.Empty;
    private (IReadOnlyList<string> Attributes, CancellationTokenSource Rewatch) _watch = ([], new CancellationTokenSource());
    private CancellationTokenSource? _stop;
    private IUeventSource? _events;
    private NotificationDispatcher? _dispatcher;
    private Thread[] _threads = [];
    private Exception? _fault;

    /// <summary>A monitor with <paramref name="options"/> (defaults: this host, no store, no hook, no healing).</summary>
    public ReplicaMonitor(ReplicaMonitorOptions? options = null)
        : this(options, UeventListener.Open)
    {
    }

    internal ReplicaMonitor(ReplicaMonitorOptions? options, Func<IUeventSource> openEvents)
    {
        _options = options ?? new ReplicaMonitorOptions();
        _log = RedactingLogger.Wrap(_options.Logger);
        _md = new MdArrays(_options.Paths);
        _observer = new HostObserver(_options.Paths, _md, new NvmeTopology(_options.Paths), _options.ReplicaStateStore, _options.Volumes,
            message => MonitorLog.Warning(_log, message));
        _openEvents = openEvents;
    }

    /// <summary>True between <see cref="Start"/> and <see cref="StopAsync"/>.</summary>
    public bool IsRunning => _stop is not null;

    /// <summary>
    /// Calls <paramref name="subscriber"/> with every event, on the monitor's thread, in order (keep it short: a slow
    /// subscriber delays the next events; use <see cref="ReplicaMonitorOptions.Hook"/> for slow work). Dispose the
    /// result to unsubscribe. An exception from it is logged and does not stop the monitor.
    /// </summary>
    public IDisposable Subscribe(Action<ReplicaEvent> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_gate)
            _subscribers.Add(subscriber);
        return new Unsubscriber(this, subscriber);
    }

    /// <summary>
    /// The events from now on, until <paramref name="cancellationToken"/> fires or the monitor stops. A reader that
    /// falls more than <paramref name="capacity"/> events behind loses the oldest.
    /// </summary>
    public async IAsyncEnumerable<ReplicaEvent> ReadEventsAsync(int capacity = 1024, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<ReplicaEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        Action<ReplicaEvent> write = e => channel.Writer.TryWrite(e);
        lock (_gate)
        {
            _subscribers.Add(write);
            _completions.Add(channel.Writer);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(write);
                _completions.Remove(channel.Writer);
            }
        }
    }

    private readonly List<ChannelWriter<ReplicaEvent>> _completions = [];

    /// <summary>
    /// Starts watching: opens the uevent socket first (so nothing that happens while it reads the host is missed),
    /// reads the host once (a failure already on record, e.g. after a restart, is reported and recorded), then runs
    /// until <see cref="StopAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is already running.</exception>
    public void Start()
    {
        lock (_gate)
        {
            if (_stop is not null)
                throw new InvalidOperationException("the replica monitor is already running");
            _stop = new CancellationTokenSource();
        }
        var ct = _stop.Token;
        try
        {
            _events = _openEvents();
            if (_options.Hook is { } hook)
                _dispatcher = new NotificationDispatcher(hook, _options.HookQueueCapacity, _options.HookMaxAttempts, _options.HookRetryDelay, HookFailed);
            _last = HostView.Empty;
            ReconcileOnce(ct);
            MonitorLog.Started(_log, _last.Arrays.Count, _last.Controllers.Count, _options.ReplicaStateStore?.Description ?? "(none)");
            _threads =
            [
                new Thread(() => Guard(() => ReconcileLoop(ct))) { IsBackground = true, Name = "nvmenative-monitor" },
                new Thread(() => Guard(() => UeventLoop(ct))) { IsBackground = true, Name = "nvmenative-monitor-uevents" },
                new Thread(() => Guard(() => SysfsLoop(ct))) { IsBackground = true, Name = "nvmenative-monitor-sysfs" },
            ];
            foreach (var thread in _threads)
                thread.Start();
        }
        catch
        {
            StopAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Starts, runs until <paramref name="cancellationToken"/> fires, then stops cleanly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Start();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops watching: wakes and joins its threads, closes every descriptor, gives the hook a moment to deliver what is
    /// queued, and ends every <see cref="ReadEventsAsync"/>. Stopping a monitor that is not running does nothing.
    /// </summary>
    public async ValueTask StopAsync()
    {
        CancellationTokenSource? stop;
        lock (_gate)
            stop = _stop;
        if (stop is null)
            return;
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var thread in _threads)
            thread.Join();
        _threads = [];
        _events?.Dispose();
        _events = null;
        if (_dispatcher is { } dispatcher)
        {
            await dispatcher.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await dispatcher.DisposeAsync().ConfigureAwait(false);
            _dispatcher = null;
        }
        lock (_gate)
        {
            foreach (var writer in _completions)
                writer.TryComplete(_fault);
            _watch.Rewatch.Dispose();
            _watch = ([], new CancellationTokenSource());
            _stop = null;
        }
        stop.Dispose();
        MonitorLog.Stopped(_log);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _watch.Rewatch.Dispose();
        _wake.Dispose();
    }

    /// <summary>Re-reads the host and publishes what changed since the last read; the monitor's one step (tests call it directly).</summary>
    internal IReadOnlyList<ReplicaEvent> ReconcileOnce(CancellationToken ct)
    {
        HostView view;
        try
        {
            view = _observer.Observe(ct);
        }
        catch (Exception e) when (e is NvmeNativeException or IOException or UnauthorizedAccessException)
        {
            MonitorLog.ObserveFailed(_log, e.Message);
            return [];
        }
        var now = DateTimeOffset.UtcNow;
        var events = EventDerivation.Derive(_last, view, now);
        _last = view;
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].Kind == ReplicaEventKind.MemberReAdded && events[i].Devices.Count > 1 && _fullRebuilds.Remove(events[i].Devices[1]))
                events[i] = events[i] with { Kind = ReplicaEventKind.MemberAdded, Detail = "added for a full rebuild" };
        }
        var published = new List<ReplicaEvent>();
        RetryUnrecorded(view, ct);
        foreach (var e in events)
        {
            Record(e, view, ct);
            Publish(e, published);
        }
        if (_options.Heal)
            Heal(view, published, ct);
        UpdateWatch(view);
        return published;
    }

    private void Publish(ReplicaEvent e, List<ReplicaEvent> published)
    {
        published.Add(e);
        MonitorLog.Event(_log, e.ToString());
        _dispatcher?.Post(e);
        Action<ReplicaEvent>[] subscribers;
        lock (_gate)
            subscribers = [.. _subscribers];
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(e);
            }
            catch (Exception error)
            {
                // A subscriber is the agent's code: its failure is reported, never the monitor's end.
                MonitorLog.SubscriberFailed(_log, e.KindName, error.Message);
            }
        }
    }

    // The record first: whoever hears of a failure can rely on it being on record already.
    private void Record(ReplicaEvent e, HostView view, CancellationToken ct)
    {
        if (_options.ReplicaStateStore is not { } store || e.ArrayUuid is null)
            return;
        if (view.Records.FirstOrDefault(r => r.ArrayUuid == e.ArrayUuid) is not { } known)
            return;
        var array = e.MdDevice is null ? null : view.Arrays.GetValueOrDefault(e.MdDevice);
        ulong? events = null;
        bool eventsRead = false;
        try
        {
            var key = VolumeKey.Create(known.Alias, known.Replicas.Select(r => r.Replica));
            if (key.Value != known.VolumeKey)
                return; // not a key this library built: leave it alone
            ReplicaStateUpdate.Apply(store, key, current =>
            {
                if (current is null || current.ArrayUuid != e.ArrayUuid)
                    return null;
                if (!eventsRead && array is not null)
                {
                    events = _observer.EventsOf(array);
                    eventsRead = true;
                }
                return RecordWriter.Apply(current, e, array, events, e.Timestamp);
            }, cancellationToken: ct);
        }
        catch (ReplicaStateException error)
        {
            MonitorLog.RecordWriteFailed(_log, e.KindName, known.Alias, store.Description, error.Message);
            if (_unrecorded.Count < 256)
                _unrecorded.Add(e);
        }
        catch (InvalidInputException error)
        {
            MonitorLog.RecordWriteFailed(_log, e.KindName, known.Alias, store.Description, error.Message);
        }
    }

    private void RetryUnrecorded(HostView view, CancellationToken ct)
    {
        if (_unrecorded.Count == 0)
            return;
        var retry = _unrecorded.ToList();
        _unrecorded.Clear();
        foreach (var e in retry)
            Record(e, view, ct);
    }

    private void Heal(HostView view, List<ReplicaEvent> published, CancellationToken ct)
    {
        if (_options.ReplicaStateStore is not { } store)
            return;
        foreach (var array in view.Arrays.Values)
        {
            if (!array.Running || array.Record is null || array.Uuid is null || !MdUuid.TryParse(array.Uuid, out var uuid))
                continue;
            ReplicaStateRecord? record;
            try
            {
                record = store.Read(VolumeKey.Create(array.Record.Alias, array.Record.Replicas.Select(r => r.Replica)), ct)?.Record;
            }
            catch (ReplicaStateException e)
            {
                MonitorLog.Warning(_log, $"healing {array.Device}: cannot read its record: {e.Message}");
                continue;
            }
            if (record is null || record.ArrayUuid != array.Uuid)
                continue;
            foreach (var entry in record.Replicas.Where(r => r.State is ReplicaCondition.Failed or ReplicaCondition.Rebuilding))
                HealReplica(view, array, uuid, entry, published, ct);
        }
    }

    private void HealReplica(HostView view, ArrayView array, MdUuid uuid, ReplicaStateEntry entry, List<ReplicaEvent> published, CancellationToken ct)
    {
        if (array.Members.Values.Any(m => m.Replica == entry.Replica && !m.IsFaulty))
            return; // already back
        if (view.NamespaceOf(entry.Replica) is not { } ns)
            return; // not reachable (yet)
        if (ns.Controllers.Count > 0 && !ns.Controllers.Any(c => view.Controllers.TryGetValue(c, out var cv) && cv.State == ControllerState.Live))
            return; // its controller is not live again yet
        string device = _options.Paths.DevPath(ns.BlockName);
        if (_md.HolderOf(device) is not null)
            return;
        MdMemberExamination? superblock;
        bool otherMetadata;
        try
        {
            superblock = _md.Examine(device);
            otherMetadata = superblock is null && _md.CarriesMetadata(device);
        }
        catch (NvmeNativeException e)
        {
            Refuse(array, entry, ns, $"its superblock cannot be read: {e.Message}", published);
            return;
        }
        var (action, reason) = HealPolicy.Decide(entry, uuid, superblock, otherMetadata);
        if (action == HealAction.None)
            return;
        if (action == HealAction.Refuse)
        {
            Refuse(array, entry, ns, reason, published);
            return;
        }
        RemoveLeftovers(array, entry);
        ct.ThrowIfCancellationRequested();
        try
        {
            MonitorLog.Healing(_log, array.Device.Value, action == HealAction.ReAdd ? "re-adding" : "adding", device, reason);
            if (action == HealAction.ReAdd)
            {
                try
                {
                    _md.ReAddMember(array.Device, device);
                }
                catch (NvmeNativeException e)
                {
                    // md keeps no bitmap that covers it (or refuses for another reason): a full rebuild is the way back.
                    MonitorLog.Healing(_log, array.Device.Value, "adding for a full rebuild", device, "md refused the re-add: " + e.Message);
                    _md.AddMember(array.Device, device, overwriteExistingMetadata: true);
                    _fullRebuilds.Add(ns.BlockName);
                }
            }
            else
            {
                _md.AddMember(array.Device, device);
                _fullRebuilds.Add(ns.BlockName);
            }
            _healRefused.Remove(ns.BlockName);
        }
        catch (NvmeNativeException e)
        {
            var failed = new ReplicaEvent(ReplicaEventKind.HealFailed, DateTimeOffset.UtcNow, array.Record?.Alias, array.Uuid, array.Device.Value,
                entry.Replica.TargetNqn, entry.Replica.Namespace, [array.Device.Value, ns.BlockName], e.Message);
            if (_healRefused.TryAdd(ns.BlockName, failed.Detail!))
                Publish(failed, published);
        }
    }

    // A member md failed stays bound (faulty) until removed; when its device went away and came back under another
    // name, the old entry would hold on to the replica forever.
    private void RemoveLeftovers(ArrayView array, ReplicaStateEntry entry)
    {
        try
        {
            // Those whose device went away are not even in sysfs' member list: md's own table finds them.
            foreach (string gone in _md.RemoveDetachedMembers(array.Device))
                MonitorLog.Healing(_log, array.Device.Value, "removed the detached member", gone, "its device is gone");
        }
        catch (NvmeNativeException e)
        {
            MonitorLog.Warning(_log, $"healing {array.Device}: cannot remove detached members: {e.Message}");
        }
        foreach (var member in array.Members.Values.Where(m => m.IsFaulty && m.Replica == entry.Replica))
        {
            try
            {
                _md.RemoveMember(array.Device, member.KernelName);
            }
            catch (NvmeNativeException e)
            {
                MonitorLog.Warning(_log, $"healing {array.Device}: cannot remove the faulty member {member.KernelName}: {e.Message}");
            }
        }
    }

    private void Refuse(ArrayView array, ReplicaStateEntry entry, NamespaceView ns, string reason, List<ReplicaEvent> published)
    {
        if (_healRefused.TryGetValue(ns.BlockName, out var said) && said == reason)
            return; // said once for this device; said again when it comes back or the reason changes
        _healRefused[ns.BlockName] = reason;
        Publish(new ReplicaEvent(ReplicaEventKind.HealRefused, DateTimeOffset.UtcNow, array.Record?.Alias, array.Uuid, array.Device.Value,
            entry.Replica.TargetNqn, entry.Replica.Namespace, [array.Device.Value, ns.BlockName], reason), published);
    }

    private void UpdateWatch(HostView view)
    {
        var attributes = _observer.WatchedAttributes(view);
        lock (_gate)
        {
            if (attributes.SequenceEqual(_watch.Attributes, StringComparer.Ordinal))
                return;
            var old = _watch.Rewatch;
            _watch = (attributes, new CancellationTokenSource());
            old.Cancel();
            old.Dispose();
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
            _wake.Release();
    }

    private void ReconcileLoop(CancellationToken ct)
    {
        while (true)
        {
            _wake.Wait(ct);
            Interlocked.Exchange(ref _wakePending, 0);
            ReconcileOnce(ct);
        }
    }

    private void UeventLoop(CancellationToken ct)
    {
        var events = _events!;
        while (true)
        {
            var receipt = events.Receive(_options.RecheckInterval, ct);
            // An event is a wake-up, never truth: the next read of sysfs says what it meant.
            if (receipt.Kind != UeventReceiptKind.Event || receipt.Message is { } m && m.Subsystem is { } s && WatchedSubsystems.Contains(s)
                && (m.KernelName.StartsWith("md", StringComparison.Ordinal) || m.KernelName.StartsWith("nvme", StringComparison.Ordinal)))
                Wake();
        }
    }

    private void SysfsLoop(CancellationToken ct)
    {
        while (true)
        {
            IReadOnlyList<string> attributes;
            CancellationToken rewatch;
            lock (_gate)
            {
                attributes = _watch.Attributes;
                rewatch = _watch.Rewatch.Token;
            }
            try
            {
                if (attributes.Count == 0)
                {
                    WaitHandle.WaitAny([ct.WaitHandle, rewatch.WaitHandle], _options.RecheckInterval);
                    ct.ThrowIfCancellationRequested();
                    continue;
                }
                using var watch = new SysfsWatch(attributes);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, rewatch);
                while (true)
                {
                    watch.Arm();
                    Wake();
                    watch.Wait(Environment.TickCount64 + (long)_options.RecheckInterval.TotalMilliseconds, linked.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The set of arrays or members changed: watch the new one.
            }
            catch (NvmeNativeException)
            {
                // An attribute went away (an array stopped, a member left): re-read, and watch what is there then.
                Wake();
                WaitHandle.WaitAny([ct.WaitHandle, rewatch.WaitHandle], _options.RecheckInterval);
            }
        }
    }

    private void Guard(Action loop)
    {
        try
        {
            loop();
        }
        catch (OperationCanceledException) when (_stop?.IsCancellationRequested != false)
        {
        }
        catch (Exception e)
        {
            // A bug or an unexpected kernel answer: stop publishing rather than run blind, and tell every reader why.
            _fault = e;
            MonitorLog.ObserveFailed(_log, e.ToString());
            lock (_gate)
                foreach (var writer in _completions)
                    writer.TryComplete(e);
        }
    }

    private void HookFailed(ReplicaEvent e, int attempt, Exception? error)
    {
        if (error is null)
            MonitorLog.HookDropped(_log, e.ToString());
        else
            MonitorLog.HookFailed(_log, e.ToString(), attempt, _options.HookMaxAttempts, error.Message);
    }

    private sealed class Unsubscriber(ReplicaMonitor monitor, Action<ReplicaEvent> subscriber) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._gate)
                monitor._subscribers.Remove(subscriber);
        }
    }
}
