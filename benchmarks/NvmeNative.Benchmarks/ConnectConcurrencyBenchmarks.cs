using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Benchmarks;

/// <summary>
/// Do connects to several replica targets overlap in the kernel? N targets (one namespace each) connected through
/// <c>/dev/nvme-fabrics</c> and their namespaces awaited, three ways: one after the other, each connect followed by
/// its namespace wait (what the connector does per replica); every connect first, then every wait (the scans of the
/// first targets run while the later ones connect); and one thread per target, each connecting and waiting. The
/// columns: the connect writes' summed durations, and their span (first write's start to last write's end). In
/// sequence the sum is the span. With a thread per target, a span no shorter than the sequential writes' sum means
/// the kernel ran the connects one at a time (it does: fabrics.c holds one mutex around nvmf_create_ctrl), and the
/// threads' sum then exceeds the span by the time each write waited for the others'.
/// </summary>
[Config(typeof(ConcurrencyConfig))]
public class ConnectConcurrency
{
    private static readonly TimeSpan NamespaceTimeout = TimeSpan.FromSeconds(30);
    private readonly FabricsConnector _fabrics = new();
    private readonly NvmeTopology _topology = new();
    private readonly ConcurrentBag<ControllerInstance> _connected = [];
    private readonly ConcurrentBag<(long Start, long End)> _writes = [];
    private HostIdentity _host = null!;
    private BenchTargets? _targets;
    private LoopbackVolume[] _volumes = null!;

    [Params(2, 4)]
    public int Targets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = HostIdentityStore.LoadOrCreate();
        _targets = new BenchTargets(portals: 1);
        _volumes = Enumerable.Range(0, Targets).Select(_ => _targets.AddVolume()).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _targets?.Dispose();

    [IterationSetup]
    public void Forget()
    {
        _connected.Clear();
        _writes.Clear();
    }

    [Benchmark(Baseline = true)]
    public int ConnectWaitEachInTurn()
    {
        foreach (var volume in _volumes)
            Wait(volume, Connect(volume));
        return Record(nameof(ConnectWaitEachInTurn));
    }

    [Benchmark]
    public int ConnectAllThenWaitAll()
    {
        var controllers = _volumes.Select(Connect).ToList();
        for (int i = 0; i < _volumes.Length; i++)
            Wait(_volumes[i], controllers[i]);
        return Record(nameof(ConnectAllThenWaitAll));
    }

    [Benchmark]
    public int ThreadPerTarget()
    {
        using var start = new Barrier(_volumes.Length);
        var errors = new ConcurrentBag<Exception>();
        var threads = _volumes.Select(v => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                Wait(v, Connect(v));
            }
            catch (Exception e)
            {
                errors.Add(e); // an exception escaping a thread would end the whole run
            }
        })).ToList();
        foreach (var t in threads)
            t.Start();
        foreach (var t in threads)
            t.Join();
        if (!errors.IsEmpty)
            throw new AggregateException(errors);
        return Record(nameof(ThreadPerTarget));
    }

    /// <summary>Deletes what the iteration connected (unmeasured).</summary>
    [IterationCleanup]
    public void Disconnect()
    {
        foreach (var c in _connected)
            _fabrics.DeleteController(c);
        foreach (var v in _volumes)
            Leftovers.Check(v);
    }

    private ControllerInstance Connect(LoopbackVolume volume)
    {
        var options = new FabricsOptions
        {
            Transport = Transport.Tcp,
            SubsystemNqn = Nqn.Parse(volume.Nqn),
            Host = _host,
            TransportAddress = volume.Portals[0].Address.ToString(),
            Port = (ushort)volume.Portals[0].Port,
        };
        long start = Stopwatch.GetTimestamp();
        var controller = _fabrics.Connect(options);
        _writes.Add((start, Stopwatch.GetTimestamp()));
        _connected.Add(controller);
        return controller;
    }

    private void Wait(LoopbackVolume volume, ControllerInstance controller)
    {
        var found = _topology.FindController(controller.Name) ?? throw new InvalidOperationException($"{controller.Name} vanished");
        _topology.WaitForNamespace([found], NamespaceSelector.ByUuid(NvmeUuid.Parse(volume.Uuid.ToString())), NamespaceTimeout);
    }

    /// <summary>Records the connect writes' sum and span; returns how many connected.</summary>
    private int Record(string method)
    {
        var writes = _writes.ToList();
        double sum = writes.Sum(w => Stopwatch.GetElapsedTime(w.Start, w.End).TotalMilliseconds);
        double span = Stopwatch.GetElapsedTime(writes.Min(w => w.Start), writes.Max(w => w.End)).TotalMilliseconds;
        Samples.Record(Samples.Key(typeof(ConnectConcurrency), method, ("Targets", Targets)),
            new Dictionary<string, double> { ["connect writes"] = sum, ["connect span"] = span, ["connect overlap x1000"] = 1000 * sum / span });
        return writes.Count;
    }

    private sealed class ConcurrencyConfig : ManualConfig
    {
        public ConcurrencyConfig()
        {
            AddJob(LabJobs.Latency.WithWarmupCount(1).WithIterationCount(8).WithId("lab-concurrency"));
            AddColumn(new SegmentColumn("connect writes", "Connect writes (sum)", "median of the summed durations of the /dev/nvme-fabrics writes"),
                new SegmentColumn("connect span", "Connect span", "median time from the first write's start to the last write's end"),
                new SegmentColumn("connect overlap x1000", "Sum/span x1000", "median of 1000 x sum / span; with threads, above 1000 counts the time writes waited for each other as well as any real overlap: compare spans"));
        }
    }
}
