using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.ReplicaState;

namespace NvmeNative.Monitoring;

/// <summary>
/// Writes each event into its volume's replica-state record before anyone hears of it (<see cref="RecordWriter"/> says
/// what an event means for the record). A write the store refuses (unreachable, a conflict that outlasts the retries)
/// is kept, up to a bound, and tried again on the next reconcile.
/// </summary>
internal sealed class EventRecorder(IReplicaStateStore? store, HostObserver observer, ILogger log)
{
    private readonly IReplicaStateStore? _store = store;
    private readonly HostObserver _observer = observer;
    private readonly ILogger _log = log;
    private readonly List<ReplicaEvent> _unrecorded = [];

    // The record first: whoever hears of a failure can rely on it being on record already.
    internal void Record(ReplicaEvent e, HostView view, CancellationToken ct)
    {
        if (_store is not { } store || e.ArrayUuid is null)
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

    /// <summary>
    /// Settles, from the state <paramref name="view"/> shows, the records of rebuilds that finished unseen
    /// (<see cref="RecordWriter.SettleRebuilt"/>); reads and writes the store only for an array whose record (as read
    /// with the view) has a replica being rebuilt that the array shows in sync.
    /// </summary>
    internal void SettleRebuilt(HostView view, CancellationToken ct)
    {
        if (_store is not { } store)
            return;
        foreach (var array in view.Arrays.Values)
        {
            if (array.Record is not { } known || RecordWriter.SettleRebuilt(known, array, DateTimeOffset.UtcNow) is null)
                continue;
            try
            {
                var key = VolumeKey.Create(known.Alias, known.Replicas.Select(r => r.Replica));
                if (key.Value != known.VolumeKey)
                    continue;
                ReplicaStateUpdate.Apply(store, key, current => current is null ? null : RecordWriter.SettleRebuilt(current, array, DateTimeOffset.UtcNow),
                    cancellationToken: ct);
            }
            catch (Exception error) when (error is ReplicaStateException or InvalidInputException)
            {
                // Tried again at the next look: the state that asks for it is still there.
                MonitorLog.RecordWriteFailed(_log, "rebuild settled", known.Alias, store.Description, error.Message);
            }
        }
    }

    internal void RetryUnrecorded(HostView view, CancellationToken ct)
    {
        if (_unrecorded.Count == 0)
            return;
        var retry = _unrecorded.ToList();
        _unrecorded.Clear();
        foreach (var e in retry)
            Record(e, view, ct);
    }
}
