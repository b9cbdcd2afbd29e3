using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;

namespace NvmeNative.Benchmarks;

/// <summary>Whether the attach finds the volume's md array on its replicas or creates it.</summary>
public enum ArrayState
{
    /// <summary>Blank replicas: the attach creates the array (a volume's first attach).</summary>
    New,

    /// <summary>The replicas carry the array: the attach assembles it (every attach after the first).</summary>
    Existing,
}

/// <summary>
/// A replicated volume (2, 3 or 4 replicas, one target each, md RAID1 on the host) attached and detached again, from
/// nothing connected back to nothing connected, by four paths in the same run: os-brick itself (Debian's
/// python3-os-brick in a long-lived Python process), the <c>nvme</c> + <c>mdadm</c> commands a user would script,
/// NvmeNative in process, and the <c>nvmenative</c> binary as a process. The attach and the detach are timed apart
/// (columns), os-brick's own time inside Python too, and NvmeNative's phases come from its activities. Between
/// iterations the replicas of a new volume are blanked on the target (the backing file emptied) and the volume gets a
/// new alias; every iteration must leave no array and no controller behind.
/// </summary>
[Config(typeof(ReplicatedConfig))]
public class Replicated
{
    private static readonly Lazy<OsBrickHarness> OsBrick = new(() => new OsBrickHarness());

    /// <summary>The one os-brick process of the run (started on first use, shared by every class).</summary>
    internal static OsBrickHarness OsBrickHarness => OsBrick.Value;
    private static readonly Lazy<Lab.NvmeNativeProcess> Cli = new(() =>
    {
        var cli = Lab.NvmeNativeProcess.Locate();
        Console.WriteLine($"// nvmenative process: {cli.Description}");
        Notes.Set("nvmenative process", cli.Description);
        return cli;
    });

    private readonly NvmeOfConnector _native = new();
    private BenchTargets? _targets;
    private LoopbackVolume[] _replicas = null!;
    private string _alias = null!;
    private string _propertiesJson = null!;
    private ConnectionProperties _properties = null!;
    private string _propertiesFile = null!;
    private PhaseRecorder? _phases;

    /// <summary>Replicas of the volume, each on its own target: 2, 3 and 4 (NVMENATIVE_BENCH_REPLICAS=2,4 narrows a quick run).</summary>
    [ParamsSource(nameof(ReplicaCounts))]
    public int Replicas { get; set; }

    public static IEnumerable<int> ReplicaCounts =>
        Environment.GetEnvironmentVariable("NVMENATIVE_BENCH_REPLICAS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse)
            : [2, 3, 4];

    [ParamsAllValues]
    public ArrayState Array { get; set; }

    /// <summary>Shuts the os-brick harness down (Program calls it once every benchmark has run).</summary>
    internal static void ShutDown()
    {
        if (OsBrick.IsValueCreated)
            OsBrick.Value.Dispose();
    }

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(portals: 1);
        _replicas = Enumerable.Range(0, Replicas).Select(_ => _targets.AddVolume()).ToArray();
        _propertiesFile = Path.Combine(Path.GetTempPath(), $"nvmenative-bench-{Guid.NewGuid():N}.json");
        _phases = new PhaseRecorder();
        NewAlias();
        if (Array == ArrayState.Existing)
        {
            // The volume's first attach creates the array; the measured attaches assemble it.
            var created = _native.Connect(_properties);
            if (created.Replication?.Action != MdAttachAction.Created)
                throw new InvalidOperationException($"the first attach should create the array, not {created.Replication?.Action}");
            _native.Disconnect(_properties);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _phases?.Dispose();
        StopArray();
        _targets?.Dispose();
        File.Delete(_propertiesFile);
    }

    /// <summary>A new volume: blank replicas and a new alias (so no record or array name of an earlier iteration applies).</summary>
    [IterationSetup]
    public void Reset()
    {
        if (Array != ArrayState.New)
            return;
        foreach (var replica in _replicas)
            replica.Blank();
        NewAlias();
    }

    [Benchmark(Baseline = true)]
    public string OsBrickItself() => Measure(nameof(OsBrickItself), () =>
    {
        var harness = OsBrick.Value;
        var segments = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        string device = harness.Connect(_propertiesJson);
        segments["attach"] = clock.Elapsed.TotalMilliseconds;
        segments["attach (in python)"] = harness.LastSeconds * 1000;
        CheckIsTheArray(device);
        clock.Restart();
        harness.Disconnect(_propertiesJson, device);
        segments["detach"] = clock.Elapsed.TotalMilliseconds;
        segments["detach (in python)"] = harness.LastSeconds * 1000;
        return (device, segments);
    });

    [Benchmark]
    public string NvmeMdadm() => Measure(nameof(NvmeMdadm), () =>
    {
        var segments = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        string device = NvmeMdadmScript.Attach(_replicas, _alias, create: Array == ArrayState.New);
        segments["attach"] = clock.Elapsed.TotalMilliseconds;
        CheckIsTheArray(device);
        clock.Restart();
        NvmeMdadmScript.Detach(_replicas, _alias);
        segments["detach"] = clock.Elapsed.TotalMilliseconds;
        return (device, segments);
    });

    [Benchmark]
    public string NvmeNative() => Measure(nameof(NvmeNative), () =>
    {
        var segments = new Dictionary<string, double>();
        _phases!.Clear();
        var clock = Stopwatch.StartNew();
        var volume = _native.Connect(_properties);
        segments["attach"] = clock.Elapsed.TotalMilliseconds;
        var expected = Array == ArrayState.New ? MdAttachAction.Created : MdAttachAction.Assembled;
        if (volume.Replication?.Action != expected || volume.Replication.Degraded)
            throw new InvalidOperationException($"expected {expected}, got {volume.Replication?.Action} (degraded: {volume.Replication?.Degraded})");
        CheckIsTheArray(volume.Path);
        clock.Restart();
        _native.Disconnect(_properties);
        segments["detach"] = clock.Elapsed.TotalMilliseconds;
        _phases.TakeInto(segments);
        return (volume.Path, segments);
    });

    [Benchmark]
    public string NvmeNativeProcess() => Measure(nameof(NvmeNativeProcess), () =>
    {
        var cli = Cli.Value;
        var segments = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        using var attached = cli.Run("attach", _propertiesFile);
        segments["attach"] = clock.Elapsed.TotalMilliseconds;
        string device = attached.RootElement.GetProperty("path").GetString()!;
        string action = attached.RootElement.GetProperty("action").GetString()!;
        string expected = Array == ArrayState.New ? "created" : "assembled";
        if (action != expected)
            throw new InvalidOperationException($"nvmenative attach: expected {expected}, got {action}");
        CheckIsTheArray(device);
        clock.Restart();
        using var detached = cli.Run("detach", _propertiesFile);
        segments["detach"] = clock.Elapsed.TotalMilliseconds;
        return (device, segments);
    });

    /// <summary>Each detach must have stopped the array and removed every controller.</summary>
    [IterationCleanup]
    public void CheckNothingLeft()
    {
        bool running = File.ReadAllText("/proc/mdstat").Contains(" : active", StringComparison.Ordinal);
        StopArray();
        foreach (var replica in _replicas)
            Leftovers.Check(replica);
        if (running)
            throw new InvalidOperationException("the detach left an md array running (now stopped)");
    }

    private string Measure(string method, Func<(string Device, Dictionary<string, double> Segments)> operation)
    {
        try
        {
            var (device, segments) = operation();
            Samples.Record(Samples.Key(typeof(Replicated), method, ("Replicas", Replicas), ("Array", Array)), segments);
            return device;
        }
        catch
        {
            StopArray();
            BenchTargets.DeleteControllersOf(_replicas.Select(r => r.Nqn));
            throw;
        }
    }

    private void NewAlias()
    {
        StopArray();
        _alias = "bench-" + Guid.NewGuid().ToString("N")[..8];
        _propertiesJson = $$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{_alias}}", "replica_count": {{Replicas}}, {{Lab.BenchKernel.ReplicaLegOptIn}}
             "volume_replicas": [{{string.Join(", ", _replicas.Select(r => r.PropertiesJson))}}]}
            """;
        _properties = ConnectionProperties.Parse(_propertiesJson);
        File.WriteAllText(_propertiesFile, _propertiesJson);
    }

    /// <summary>The device is a running RAID1 whose members are the replicas' namespaces.</summary>
    private void CheckIsTheArray(string device)
    {
        string md = Path.GetFileName(File.ResolveLinkTarget(device, returnFinalTarget: true)?.FullName ?? device);
        var members = Directory.GetFileSystemEntries($"/sys/block/{md}/slaves").Select(Path.GetFileName).ToList();
        var uuids = members.Select(m => Sysfs.Read($"/sys/class/block/{m}/uuid")).Order().ToList();
        var expected = _replicas.Select(r => r.Uuid.ToString()).Order().ToList();
        if (!uuids.SequenceEqual(expected))
            throw new InvalidOperationException($"{device} ({md}) has members {string.Join(", ", members)} with uuids {string.Join(", ", uuids)}; expected {string.Join(", ", expected)}");
    }

    /// <summary>Stops whatever array runs over the replicas (an aborted iteration's) and removes a stale /dev/md link.</summary>
    private void StopArray()
    {
        if (_alias is null)
            return;
        string link = "/dev/md/" + _alias;
        if (new FileInfo(link).LinkTarget is null)
            return;
        if (File.Exists(link))
        {
            try
            {
                CliProcess.Run("mdadm", "--stop", link);
            }
            catch (InvalidOperationException)
            {
                // already stopped
            }
        }
        File.Delete(link);
    }

    /// <summary>
    /// Few iterations: each one is a replicated attach and detach (seconds under emulation, os-brick sleeps a second per
    /// replica when it assembles), times 24 cases; the attach and detach medians and os-brick's own time are columns.
    /// </summary>
    private sealed class ReplicatedConfig : ManualConfig
    {
        public ReplicatedConfig()
        {
            AddJob(LabJobs.Latency.WithWarmupCount(1).WithIterationCount(ReplicatedIterations).WithId("lab-replicated"));
            AddColumn(new SegmentColumn("attach", "Attach", "median of the attach alone"),
                new SegmentColumn("detach", "Detach", "median of the detach alone"),
                new SegmentColumn("attach (in python)", "Attach in Python", "os-brick only: median time connect_volume took inside the Python process"),
                new SegmentColumn("detach (in python)", "Detach in Python", "os-brick only: median time disconnect_volume took inside the Python process"));
        }
    }

    /// <summary>Measured iterations per case (NVMENATIVE_BENCH_ITERATIONS overrides, for a quick check).</summary>
    internal static int ReplicatedIterations =>
        int.TryParse(Environment.GetEnvironmentVariable("NVMENATIVE_BENCH_ITERATIONS"), out int n) && n > 0 ? n : 4;
}
