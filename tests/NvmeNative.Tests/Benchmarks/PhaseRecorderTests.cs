using System.Diagnostics;
using NvmeNative.Benchmarks.Lab;
using Span = NvmeNative.Benchmarks.Lab.PhaseRecorder.Span;

namespace NvmeNative.Tests.Benchmarks;

/// <summary>The benchmarks' phase breakdown: leaves of an operation's activity tree, user space as the rest.</summary>
public sealed class PhaseRecorderTests
{
    private static readonly DateTime T0 = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Leaves_are_the_phases_and_the_uncovered_time_is_user_space()
    {
        var spans = new[]
        {
            At("root", null, "nvmenative.attach", 0, 100),
            At("replica", "root", "nvmenative.replica", 10, 60), // has children: not a phase itself
            At("connect", "replica", "nvmenative.fabrics.connect", 10, 30),
            At("wait", "replica", "nvmenative.wait.namespace", 30, 55),
            At("md", "root", "nvmenative.md.ioctl", 70, 90),
        };
        var op = Assert.Single(PhaseRecorder.Breakdown(spans));
        Assert.Equal(("nvmenative.attach", 100.0), (op.Operation, op.TotalMs));
        Assert.Equal(20, op.PhasesMs["nvmenative.fabrics.connect"], 6);
        Assert.Equal(25, op.PhasesMs["nvmenative.wait.namespace"], 6);
        Assert.Equal(20, op.PhasesMs["nvmenative.md.ioctl"], 6);
        Assert.Equal(35, op.PhasesMs[PhaseRecorder.UserSpace], 6); // 0-10, 55-70, 90-100
        Assert.False(op.PhasesMs.ContainsKey("nvmenative.replica"));
        Assert.Equal(op.TotalMs, op.PhasesMs.Values.Sum(), 6);
    }

    [Fact]
    public void Phases_running_side_by_side_share_their_time_so_the_bar_adds_up_to_the_wall_time()
    {
        var spans = new[]
        {
            At("root", null, "nvmenative.attach", 0, 50),
            At("a", "root", "nvmenative.wait.namespace", 0, 40),
            At("b", "root", "nvmenative.wait.namespace", 20, 40),
            At("c", "root", "nvmenative.fabrics.connect", 20, 30),
        };
        var op = Assert.Single(PhaseRecorder.Breakdown(spans));
        // 0-20: a alone (20); 20-30: a, b, c (10 / 3 each); 30-40: a, b (5 each); 40-50: nothing.
        Assert.Equal(20 + 2 * 10.0 / 3 + 10, op.PhasesMs["nvmenative.wait.namespace"], 6);
        Assert.Equal(10.0 / 3, op.PhasesMs["nvmenative.fabrics.connect"], 6);
        Assert.Equal(10, op.PhasesMs[PhaseRecorder.UserSpace], 6);
        Assert.Equal(50, op.PhasesMs.Values.Sum(), 6);
    }

    [Fact]
    public void Each_root_is_its_own_operation_and_an_operation_without_phases_is_all_user_space()
    {
        var spans = new[]
        {
            At("detach", null, "nvmenative.detach", 200, 230),
            At("attach", null, "nvmenative.attach", 0, 100),
            At("flush", "attach", "nvmenative.flush", 90, 100),
        };
        var ops = PhaseRecorder.Breakdown(spans);
        Assert.Equal(["nvmenative.attach", "nvmenative.detach"], ops.Select(o => o.Operation));
        Assert.Equal(30, ops[1].PhasesMs[PhaseRecorder.UserSpace], 6);
        Assert.Single(ops[1].PhasesMs);
        Assert.Empty(PhaseRecorder.Breakdown([]));
    }

    [Fact]
    public void The_listener_records_only_the_named_source_and_parents_its_activities()
    {
        string name = "NvmeNative.Tests.Phases." + Guid.NewGuid().ToString("N");
        using var recorder = new PhaseRecorder(name);
        using var source = new ActivitySource(name);
        using var other = new ActivitySource(name + ".other");
        using (source.StartActivity("nvmenative.attach"))
        {
            using (source.StartActivity("nvmenative.fabrics.connect"))
                Thread.Sleep(5); // a measurable phase, not a wait for an event
            using (other.StartActivity("not ours"))
            {
            }
        }
        var op = Assert.Single(recorder.Take());
        Assert.Equal("nvmenative.attach", op.Operation);
        Assert.Equal(["nvmenative.fabrics.connect", PhaseRecorder.UserSpace], op.PhasesMs.Keys.Order());
        Assert.True(op.PhasesMs["nvmenative.fabrics.connect"] >= 4);
        Assert.Empty(recorder.Take()); // taken once
    }

    [Fact]
    public void User_space_time_is_placed_in_the_innermost_activity_open_at_the_time()
    {
        var spans = new[]
        {
            At("root", null, "nvmenative.attach", 0, 100),
            At("plan", "root", "nvmenative.plan", 0, 10), // no children: a leaf, but of the library's own work
            At("replica", "root", "nvmenative.replica", 20, 60),
            At("connect", "replica", "nvmenative.fabrics.connect", 25, 50),
            At("rule", "root", "nvmenative.start_rule", 60, 80),
            At("read", "rule", "nvmenative.md.superblock_read", 60, 70),
        };
        var op = Assert.Single(PhaseRecorder.Breakdown(spans));
        // Uncovered: 10-20 and 80-100 in the attach, 20-25 and 50-60 in the replica, 70-80 in the start rule.
        Assert.Equal(30, op.UserSpaceWhereMs["nvmenative.attach"], 6);
        Assert.Equal(15, op.UserSpaceWhereMs["nvmenative.replica"], 6);
        Assert.Equal(10, op.UserSpaceWhereMs["nvmenative.start_rule"], 6);
        Assert.Equal(op.PhasesMs[PhaseRecorder.UserSpace], op.UserSpaceWhereMs.Values.Sum(), 6);
    }

    [Fact]
    public void The_listener_measures_the_threads_cpu_time_of_the_operation_and_of_each_phase()
    {
        string name = "NvmeNative.Tests.Phases." + Guid.NewGuid().ToString("N");
        using var recorder = new PhaseRecorder(name);
        using var source = new ActivitySource(name);
        using (source.StartActivity("nvmenative.attach"))
        {
            using (source.StartActivity("nvmenative.md.ioctl"))
                Spin(TimeSpan.FromMilliseconds(30)); // user-mode CPU work inside a phase
        }
        var segments = new Dictionary<string, double>();
        recorder.TakeInto(segments);
        // CPU time, not wall time: on a busy machine the spinning thread may wait for a CPU part of the 30 ms.
        double operation = segments["nvmenative.attach cpu: user"] + segments["nvmenative.attach cpu: system"];
        double phase = segments["nvmenative.attach cpu user: nvmenative.md.ioctl"] + segments["nvmenative.attach cpu system: nvmenative.md.ioctl"];
        Assert.True(phase > 0 && phase <= operation + 0.001, string.Join(", ", segments.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(segments["nvmenative.attach: nvmenative.md.ioctl"] >= 29);
        Assert.True(segments.ContainsKey("nvmenative.attach user space in: nvmenative.attach"));
    }

    [Fact]
    public void Work_an_operation_hands_to_other_threads_counts_in_its_cpu_once()
    {
        var spans = new[]
        {
            At("root", null, "nvmenative.detach", 0, 100) with { Cpu = new CpuTime(10, 20), ThreadId = 1 },
            At("leg0", "root", "nvmenative.replica", 10, 60) with { Cpu = new CpuTime(3, 4), ThreadId = 1 }, // on the root's thread: in its figure
            At("leg1", "root", "nvmenative.replica", 10, 70) with { Cpu = new CpuTime(5, 6), ThreadId = 2 },
            At("delete1", "leg1", "nvmenative.fabrics.delete", 20, 60) with { Cpu = new CpuTime(1, 5), ThreadId = 2 }, // inside leg1
            At("leg2", "root", "nvmenative.replica", 10, 80) with { Cpu = new CpuTime(7, 8), ThreadId = 3 },
        };
        var op = Assert.Single(PhaseRecorder.Breakdown(spans));
        Assert.Equal(new CpuTime(10 + 5 + 7, 20 + 6 + 8), op.Cpu);
    }

    private static void Spin(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
            Thread.SpinWait(100);
    }

    private static Span At(string id, string? parent, string name, double fromMs, double toMs) =>
        new(id, parent, name, T0.AddMilliseconds(fromMs), T0.AddMilliseconds(toMs));
}
