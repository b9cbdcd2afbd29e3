using NvmeNative.Monitoring;

namespace NvmeNative.TestSupport;

/// <summary>
/// Every event a replica monitor published, in order, with waits woken by each new one (no polling). Shared by the
/// monitor's kernel tests and its latency benchmark, which both subscribe <see cref="Add"/> and wait for kinds.
/// </summary>
internal sealed class ReplicaEventLog
{
    private readonly List<ReplicaEvent> _events = [];

    /// <summary>How many events arrived so far: a mark to wait from.</summary>
    internal int Count
    {
        get
        {
            lock (_events)
                return _events.Count;
        }
    }

    internal void Add(ReplicaEvent e)
    {
        lock (_events)
        {
            _events.Add(e);
            Monitor.PulseAll(_events);
        }
    }

    /// <summary>The events from index <paramref name="from"/> on.</summary>
    internal List<ReplicaEvent> Since(int from)
    {
        lock (_events)
            return _events.Skip(from).ToList();
    }

    /// <summary>
    /// The first event from index <paramref name="from"/> on that matches, waiting for it until
    /// <paramref name="timeout"/>; a <see cref="TimeoutException"/> listing what did arrive when none does.
    /// </summary>
    internal ReplicaEvent WaitFor(Func<ReplicaEvent, bool> match, TimeSpan timeout, CancellationToken ct, int from = 0)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_events)
        {
            for (int next = from; ; )
            {
                for (; next < _events.Count; next++)
                {
                    if (match(_events[next]))
                        return _events[next];
                }
                ct.ThrowIfCancellationRequested();
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                    throw new TimeoutException($"no matching replica event within {timeout}; since #{from}:\n  " + string.Join("\n  ", _events.Skip(from)));
                // Woken by Add; the bounded wait lets a cancellation be seen.
                Monitor.Wait(_events, (int)Math.Min(left, 1000));
            }
        }
    }
}
