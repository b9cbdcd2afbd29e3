using System.Diagnostics;
using System.Runtime.InteropServices;

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
/// <remarks>
/// Two measures of the user-space share, because each alone can mislead:
/// <list type="bullet">
/// <item><b>By span</b> (<see cref="UserSpace"/>): every leaf activity of the library wraps a kernel interface (a
/// write to /dev/nvme-fabrics, an ioctl, a wait for uevents or sysfs notifications, a device or file read or write), so
/// the time outside them is the library's own work (parsing, planning, the start rule, bookkeeping). Its place is the
/// innermost activity it happened in (<see cref="OperationBreakdown.UserSpaceWhereMs"/>: <c>nvmenative.plan</c>,
/// <c>nvmenative.start_rule</c>, ...). This over-counts user space slightly (syscalls outside leaves, e.g. reading the
/// host NQN file, count as user space) and under-counts it where a leaf does user-space work inside (parsing sysfs
/// attributes while waiting).</item>
/// <item><b>By CPU</b>: <c>getrusage(RUSAGE_THREAD)</c> when each activity starts and stops (the listener runs on the
/// thread that starts or stops it): the user-mode and kernel-mode CPU time of the thread that ran the operation, for the
/// operation and per phase. The operation's user-mode CPU over its wall time is the share of user-space work the CPU
/// actually did; the rest of the wall time is kernel work or waiting. Exact for the synchronous API (the whole
/// operation runs on the caller's thread); an activity that stops on another thread than it started on has no CPU
/// figure. Work the operation hands to other threads (a replicated detach deletes its replicas' controllers side by
/// side, each in a replica activity) is added to the operation's CPU from the activities that start a thread's part
/// (an activity on another thread than its parent), so the operation's figure is the CPU of all its threads. The
/// kernel splits a thread's CPU time into user and system by sampling at the tick (4 ms at HZ=250), so
/// per-phase figures of a few milliseconds are rough; sums over an operation are not.</item>
/// </list>
/// </remarks>
internal sealed class PhaseRecorder : IDisposable
{
    /// <summary>The library's activity source name.</summary>
    public const string SourceName = "NvmeNative";

    /// <summary>The share of an operation outside every phase.</summary>
    public const string UserSpace = "user space";

    private const string CpuProperty = "nvmenative.bench.cpu";

    private readonly ActivityListener _listener;
    private readonly List<Span> _spans = [];

    public PhaseRecorder(string sourceName = SourceName)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => activity.SetCustomProperty(CpuProperty, ThreadCpu.Now()),
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

    /// <summary>
    /// Takes the recorded operations into a sample's segments (keys as <see cref="Samples"/> exports them, summed when an
    /// operation ran more than once): <c>ROOT: PHASE</c> (wall time per phase, <see cref="UserSpace"/> included),
    /// <c>ROOT user space in: ACTIVITY</c> (where the user-space time was), <c>ROOT cpu: user</c> / <c>ROOT cpu: system</c>
    /// (the thread's CPU time over the operation) and <c>ROOT cpu user: PHASE</c> / <c>ROOT cpu system: PHASE</c>.
    /// </summary>
    public void TakeInto(Dictionary<string, double> segments)
    {
        void Add(string key, double ms) => segments[key] = segments.GetValueOrDefault(key) + ms;
        foreach (var operation in Take())
        {
            string root = operation.Operation;
            foreach (var (phase, ms) in operation.PhasesMs)
                Add($"{root}: {phase}", ms);
            foreach (var (where, ms) in operation.UserSpaceWhereMs)
                Add($"{root} user space in: {where}", ms);
            if (operation.Cpu is { } cpu)
            {
                Add($"{root} cpu: user", cpu.UserMs);
                Add($"{root} cpu: system", cpu.SystemMs);
            }
            foreach (var (phase, cpuOfPhase) in operation.PhasesCpu)
            {
                Add($"{root} cpu user: {phase}", cpuOfPhase.UserMs);
                Add($"{root} cpu system: {phase}", cpuOfPhase.SystemMs);
            }
        }
    }

    /// <summary>The breakdown of a set of finished spans (the pure part, separate from the listener).</summary>
    internal static IReadOnlyList<OperationBreakdown> Breakdown(IReadOnlyList<Span> spans)
    {
        var byId = spans.ToDictionary(s => s.Id);
        var parents = spans.Where(s => s.ParentId is { } p && byId.ContainsKey(p)).Select(s => s.ParentId!).ToHashSet();
        var result = new List<OperationBreakdown>();
        foreach (var root in spans.Where(s => s.ParentId is null || !byId.ContainsKey(s.ParentId)).OrderBy(s => s.Start))
        {
            var descendants = spans.Where(s => s.Id != root.Id && DescendsFrom(s, root, byId)).ToList();
            var leaves = descendants.Where(s => !parents.Contains(s.Id)).ToList();
            var inner = descendants.Where(s => parents.Contains(s.Id)).Append(root).ToList();
            var (phases, where) = Partition(root, leaves, inner, byId);
            var cpu = leaves.Where(l => l.Cpu is not null).GroupBy(l => l.Name)
                .ToDictionary(g => g.Key, g => new CpuTime(g.Sum(l => l.Cpu!.UserMs), g.Sum(l => l.Cpu!.SystemMs)), StringComparer.Ordinal);
            result.Add(new OperationBreakdown(root.Name, (root.End - root.Start).TotalMilliseconds, phases)
            {
                UserSpaceWhereMs = where,
                Cpu = AllThreadsCpu(root, descendants, byId),
                PhasesCpu = cpu,
            });
        }
        return result;
    }

    /// <summary>
    /// The root thread's CPU over the operation plus that of every activity that began the operation's work on another
    /// thread (its parent ran elsewhere); nested activities on that thread are inside it and not counted again.
    /// </summary>
    private static CpuTime? AllThreadsCpu(Span root, IReadOnlyList<Span> descendants, Dictionary<string, Span> byId)
    {
        if (root.Cpu is null)
            return null;
        var offThread = descendants.Where(s => s.Cpu is not null && s.ThreadId is { } thread &&
            byId.TryGetValue(s.ParentId!, out var parent) && parent.ThreadId != thread).ToList();
        return new CpuTime(root.Cpu.UserMs + offThread.Sum(s => s.Cpu!.UserMs), root.Cpu.SystemMs + offThread.Sum(s => s.Cpu!.SystemMs));
    }

    /// <summary>
    /// Shares the root's wall time among the leaves running at each instant; the rest is user space, placed in the
    /// innermost activity (root included) open at that instant.
    /// </summary>
    private static (Dictionary<string, double> Phases, Dictionary<string, double> Where) Partition(Span root, IReadOnlyList<Span> leaves,
        IReadOnlyList<Span> inner, Dictionary<string, Span> byId)
    {
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        var where = new Dictionary<string, double>(StringComparer.Ordinal);
        var edges = leaves.Concat(inner).SelectMany(l => new[] { Clamp(l.Start, root), Clamp(l.End, root) })
            .Append(root.Start).Append(root.End).Distinct().Order().ToList();
        for (int i = 0; i + 1 < edges.Count; i++)
        {
            var (from, to) = (edges[i], edges[i + 1]);
            double ms = (to - from).TotalMilliseconds;
            var running = leaves.Where(l => l.Start <= from && l.End >= to).ToList();
            if (running.Count == 0)
            {
                shares[UserSpace] = shares.GetValueOrDefault(UserSpace) + ms;
                var open = inner.Where(s => s.Start <= from && s.End >= to).MaxBy(s => Depth(s, byId)) ?? root;
                where[open.Name] = where.GetValueOrDefault(open.Name) + ms;
                continue;
            }
            foreach (var leaf in running)
                shares[leaf.Name] = shares.GetValueOrDefault(leaf.Name) + ms / running.Count;
        }
        return (shares, where);
    }

    private static int Depth(Span span, Dictionary<string, Span> byId)
    {
        int depth = 0;
        for (string? p = span.ParentId; p is not null && byId.TryGetValue(p, out var parent); p = parent.ParentId)
            depth++;
        return depth;
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
        var started = activity.GetCustomProperty(CpuProperty) as ThreadCpu;
        var cpu = started is not null ? ThreadCpu.Now()?.Since(started) : null;
        string? parent = activity.ParentSpanId != default ? activity.ParentSpanId.ToHexString() : null;
        var span = new Span(activity.SpanId.ToHexString(), parent, activity.DisplayName, activity.StartTimeUtc,
            activity.StartTimeUtc + activity.Duration) { Cpu = cpu, ThreadId = cpu is not null ? started!.ThreadId : null };
        lock (_spans)
            _spans.Add(span);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A finished activity: its id, its parent's id (null for a root), display name and interval.</summary>
    internal sealed record Span(string Id, string? ParentId, string Name, DateTime Start, DateTime End)
    {
        /// <summary>The CPU time its thread used meanwhile (null: unknown, or it stopped on another thread).</summary>
        public CpuTime? Cpu { get; init; }

        /// <summary>The managed thread it started and stopped on (null: unknown, or it stopped on another thread).</summary>
        public int? ThreadId { get; init; }
    }

    /// <summary>The calling thread's CPU times (getrusage RUSAGE_THREAD) and its id, at one instant.</summary>
    private sealed record ThreadCpu(int ThreadId, double UserMs, double SystemMs)
    {
        private const int RusageThread = 1;

        public static ThreadCpu? Now()
        {
            if (!OperatingSystem.IsLinux() || getrusage(RusageThread, out var usage) != 0)
                return null;
            return new ThreadCpu(Environment.CurrentManagedThreadId, usage.UserTime.Ms, usage.SystemTime.Ms);
        }

        public CpuTime? Since(ThreadCpu? start) =>
            start is null || start.ThreadId != ThreadId ? null : new CpuTime(UserMs - start.UserMs, SystemMs - start.SystemMs);

        [DllImport("libc", SetLastError = true)]
        private static extern int getrusage(int who, out Rusage usage);

        [StructLayout(LayoutKind.Sequential)]
        private struct Timeval
        {
            public long Seconds;
            public long Microseconds;

            public readonly double Ms => Seconds * 1000.0 + Microseconds / 1000.0;
        }

        /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs (ru_maxrss .. ru_nivcsw) not used here.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 144)]
        private struct Rusage
        {
            public Timeval UserTime;
            public Timeval SystemTime;
        }
    }
}

/// <summary>CPU time of a thread over an interval: in user mode and in the kernel (milliseconds).</summary>
internal sealed record CpuTime(double UserMs, double SystemMs);

/// <summary>One operation's wall time and how it divides into phases (milliseconds; they add up to <see cref="TotalMs"/>).</summary>
internal sealed record OperationBreakdown(string Operation, double TotalMs, IReadOnlyDictionary<string, double> PhasesMs)
{
    /// <summary>Where the <see cref="PhaseRecorder.UserSpace"/> time was spent: the innermost activity open (milliseconds).</summary>
    public IReadOnlyDictionary<string, double> UserSpaceWhereMs { get; init; } = new Dictionary<string, double>();

    /// <summary>The CPU time of the thread that ran the operation, over the operation (null when unknown).</summary>
    public CpuTime? Cpu { get; init; }

    /// <summary>The CPU time per phase (summed over its activities that started and stopped on one thread).</summary>
    public IReadOnlyDictionary<string, CpuTime> PhasesCpu { get; init; } = new Dictionary<string, CpuTime>();
}
