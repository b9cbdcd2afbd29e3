using System.Threading.Channels;

namespace NvmeNative.Monitoring;

/// <summary>
/// Hands events to an agent's hook (the backend call) off the monitor's path: a bounded queue, one worker, each call
/// retried a bounded number of times with a growing pause; a call that keeps failing is logged and dropped. When the
/// queue is full the oldest waiting event is dropped (and logged), so a stuck backend never blocks the monitor.
/// </summary>
internal sealed class NotificationDispatcher : IAsyncDisposable
{
    private readonly Func<ReplicaEvent, CancellationToken, Task> _hook;
    private readonly Channel<ReplicaEvent> _queue;
    private readonly int _maxAttempts;
    private readonly TimeSpan _firstRetryDelay;
    private readonly Action<ReplicaEvent, int, Exception?> _failed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    /// <param name="hook">The agent's hook.</param>
    /// <param name="capacity">Events that may wait.</param>
    /// <param name="maxAttempts">Calls per event before it is given up.</param>
    /// <param name="firstRetryDelay">Pause before the first retry (doubled each time).</param>
    /// <param name="failed">Told of each failed call (event, attempt, error) and of a dropped event (attempt 0, no error).</param>
    internal NotificationDispatcher(Func<ReplicaEvent, CancellationToken, Task> hook, int capacity, int maxAttempts, TimeSpan firstRetryDelay,
        Action<ReplicaEvent, int, Exception?> failed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _hook = hook;
        _maxAttempts = maxAttempts;
        _firstRetryDelay = firstRetryDelay;
        _failed = failed;
        _queue = Channel.CreateBounded<ReplicaEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, dropped => failed(dropped, 0, null));
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Queues an event; never blocks.</summary>
    internal void Post(ReplicaEvent e) => _queue.Writer.TryWrite(e);

    private async Task RunAsync()
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                await DeliverAsync(e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(ReplicaEvent e)
    {
        var delay = _firstRetryDelay;
        for (int attempt = 1; attempt <= _maxAttempts; attempt++)
        {
            try
            {
                await _hook(e, _stop.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception error)
            {
                // The hook is the agent's code: whatever it throws is its failure to report, never the monitor's.
                _failed(e, attempt, error);
            }
            if (attempt < _maxAttempts)
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    /// <summary>Stops taking events, lets the worker deliver what is queued for at most <paramref name="drain"/>, then cancels it.</summary>
    internal async Task StopAsync(TimeSpan drain)
    {
        _queue.Writer.TryComplete();
        using (var draining = new CancellationTokenSource(drain))
        {
            try
            {
                await _worker.WaitAsync(draining.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (draining.IsCancellationRequested)
            {
                // Still delivering: cancelled below.
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stop.Dispose();
    }
}
