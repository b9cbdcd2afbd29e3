using System.Diagnostics;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// The phase breakdown of NvmeNative's operations, read from the library's own activities (ActivitySource
/// <c>NvmeNative</c>): an operation is a root activity (attach, detach, ...), its phases are its descendant
/// activities that have no children of their own (a connect, a namespace wait, an md ioctl group, ...), named by
/// their display name. Time of the operation that no phase covers is the library's user-space work. When phases run
/// concurrently (replicas attached side by side), each instant is shared equally among the phases running then, so
/// the phases and the user-space share always add up to the operation's wall time (a stacked bar). No activity, no
/// breakdown: nothing is invented when the library does not report.
/// </summary>
internal sealed class PhaseRecorder : IDisposable
{
    /// <summary>The library's activity source name.</summary>
    public const string SourceName = "NvmeNative";

    /// <summary>The share of an operation outside every phase.</summary>
    public const string UserSpace = "user space";

    private readonly ActivityListener _listener;
    private readonly List<Span> _spans = [];

    public PhaseRecorder(string sourceName = SourceName)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Forgets what was recorded so far (call before the operation to be broken down).</summary>
    public void Clear()
    {
        lock (_spans)
            _spans.Clear();
    }

    /// <summary>
    /// The breakdown of every operation recorded since <see cref="Clear"/>: per root activity (by display name, e.g.
    /// <c>nvmenative.attach</c>), the milliseconds of each phase and of <see cref="UserSpace"/>. Empty when the library
    /// reported nothing.
    /// </summary>
    public IReadOnlyList<OperationBreakdown> Take()
    {
        List<Span> spans;
        lock (_spans)
        {
            spans = [.. _spans];
            _spans.Clear();
        }
        return Breakdown(spans);
    }

    /// <summary>The breakdown of a set of finished spans (the pure part, separate from the listener).</summary>
    internal static IReadOnlyList<OperationBreakdown> Breakdown(IReadOnlyList<Span> spans)
    {
        var byId = spans.ToDictionary(s => s.Id);
        var parents = spans.Where(s => s.ParentId is { } p && byId.ContainsKey(p)).Select(s => s.ParentId!).ToHashSet();
        var result = new List<OperationBreakdown>();
        foreach (var root in spans.Where(s => s.ParentId is null || !byId.ContainsKey(s.ParentId)).OrderBy(s => s.Start))
        {
            var leaves = spans.Where(s => !parents.Contains(s.Id) && s.Id != root.Id && DescendsFrom(s, root, byId)).ToList();
            result.Add(new OperationBreakdown(root.Name, (root.End - root.Start).TotalMilliseconds, Partition(root, leaves)));
        }
        return result;
    }

    /// <summary>Shares the root's wall time among the leaves running at each instant; the rest is user space.</summary>
    private static Dictionary<string, double> Partition(Span root, IReadOnlyList<Span> leaves)
    {
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        var edges = leaves.SelectMany(l => new[] { Clamp(l.Start, root), Clamp(l.End, root) })
            .Append(root.Start).Append(root.End).Distinct().Order().ToList();
        for (int i = 0; i + 1 < edges.Count; i++)
        {
            var (from, to) = (edges[i], edges[i + 1]);
            double ms = (to - from).TotalMilliseconds;
            var running = leaves.Where(l => l.Start <= from && l.End >= to).ToList();
            if (running.Count == 0)
            {
                shares[UserSpace] = shares.GetValueOrDefault(UserSpace) + ms;
                continue;
            }
            foreach (var leaf in running)
                shares[leaf.Name] = shares.GetValueOrDefault(leaf.Name) + ms / running.Count;
        }
        return shares;
    }

    private static DateTime Clamp(DateTime t, Span root) => t < root.Start ? root.Start : t > root.End ? root.End : t;

    private static bool DescendsFrom(Span span, Span root, Dictionary<string, Span> byId)
    {
        for (string? p = span.ParentId; p is not null && byId.TryGetValue(p, out var parent); p = parent.ParentId)
        {
            if (parent.Id == root.Id)
                return true;
        }
        return false;
    }

    private void Stopped(Activity activity)
    {
        string? parent = activity.ParentSpanId != default ? activity.ParentSpanId.ToHexString() : null;
        var span = new Span(activity.SpanId.ToHexString(), parent, activity.DisplayName, activity.StartTimeUtc,
            activity.StartTimeUtc + activity.Duration);
        lock (_spans)
            _spans.Add(span);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A finished activity: its id, its parent's id (null for a root), display name and interval.</summary>
    internal sealed record Span(string Id, string? ParentId, string Name, DateTime Start, DateTime End);
}

/// <summary>One operation's wall time and how it divides into phases (milliseconds; they add up to <see cref="TotalMs"/>).</summary>
internal sealed record OperationBreakdown(string Operation, double TotalMs, IReadOnlyDictionary<string, double> PhasesMs);
