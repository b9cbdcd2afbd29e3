using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NvmeNative.Diagnostics;
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
    private readonly ReplicaMonitorOptions _options;
    private readonly ILogger _log;
    private readonly MdArrays _md;
    private readonly HostObserver _observer;
    private readonly Func<IUeventSource> _openEvents;
    private readonly Lock _gate = new();
    private readonly List<Action<ReplicaEvent>> _subscribers = [];
    private readonly WakeSources _wakes;
    private readonly UnannouncedReconnects _reconnects;
    private readonly EventRecorder _recorder;
    private readonly MonitorHealer? _healer;
    private HostView _last = HostView.Empty;
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

    internal ReplicaMonitor(ReplicaMonitorOptions? options, Func<IUeventSource> openEvents, Func<long>? nowMilliseconds = null)
    {
        _options = options ?? new ReplicaMonitorOptions();
        _log = RedactingLogger.Wrap(_options.Logger);
        _md = new MdArrays(_options.Paths);
        var topology = new NvmeTopology(_options.Paths);
        var now = nowMilliseconds ?? (() => Environment.TickCount64);
        _observer = new HostObserver(_options.Paths, _md, topology, _options.ReplicaStateStore, _options.Volumes,
            message => MonitorLog.Warning(_log, message));
        _openEvents = openEvents;
        _wakes = new WakeSources(_options.RecheckInterval);
        _reconnects = new UnannouncedReconnects(topology.AnnouncesReconnects, now, _wakes.WakeIn);
        _recorder = new EventRecorder(_options.ReplicaStateStore, _observer, _log);
        _healer = _options.Heal && _options.ReplicaStateStore is { } store
            ? new MonitorHealer(_options.Paths, _md, store, _log,
                new MissingNamespaceRescans(_options.Paths, now, _wakes.WakeIn, _log), now, _wakes.WakeIn)
            : null;
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
                new Thread(() => Guard(() => _wakes.UeventLoop(_events, ct))) { IsBackground = true, Name = "nvmenative-monitor-uevents" },
                new Thread(() => Guard(() => _wakes.SysfsLoop(ct))) { IsBackground = true, Name = "nvmenative-monitor-sysfs" },
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
        _wakes.Reset();
        lock (_gate)
        {
            foreach (var writer in _completions)
                writer.TryComplete(_fault);
            _stop = null;
        }
        stop.Dispose();
        MonitorLog.Stopped(_log);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _wakes.Dispose();
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
            if (events[i].Kind == ReplicaEventKind.MemberReAdded && events[i].Devices.Count > 1 && _healer?.TakeFullRebuild(events[i].Devices[1]) == true)
                events[i] = events[i] with { Kind = ReplicaEventKind.MemberAdded, Detail = "added for a full rebuild" };
        }
        var published = new List<ReplicaEvent>();
        _recorder.RetryUnrecorded(view, ct);
        foreach (var e in events)
        {
            _recorder.Record(e, view, ct);
            Publish(e, published);
        }
        _recorder.SettleRebuilt(view, ct);
        _healer?.Heal(view, e => Publish(e, published), ct);
        _wakes.Watch(_observer.WatchedAttributes(view));
        _reconnects.Watch(view.Controllers.Values);
        return published;
    }

    private void ReconcileLoop(CancellationToken ct)
    {
        while (true)
        {
            _wakes.WaitForWake(ct);
            ReconcileOnce(ct);
        }
    }

    private void Publish(ReplicaEvent e, List<ReplicaEvent> published)
    {
        if (e.Kind == ReplicaEventKind.MemberFaulty)
            Spans.Count(Telemetry.ReplicaFailures, Telemetry.Tags.MdDevice, e.MdDevice);
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
