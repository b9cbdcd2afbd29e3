using System.Diagnostics;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Benchmarks;

/// <summary>
/// Finding an attached volume's device (a volume on two portals: two controllers) while 1, 50 or 200 other
/// controllers are connected (other loopback subsystems, one namespace each): NvmeNative's scoped lookup
/// (<c>ControllersOf</c> + <c>FindNamespace</c>, what detach, paths and extend do) against os-brick's scan, both as
/// os-brick itself runs it (the real Python functions in the harness: <c>NVMeOFConnProps(find_controllers=True)</c>
/// and one find_device look; the column "in Python" is the time inside Python, the row adds the pipe round trip) and
/// ported to C# (so that only the sysfs access pattern differs), and against nvme-cli's <c>nvme list-subsys -o json</c>
/// as a process (what a script runs to find the subsystem).
/// </summary>
[Config(typeof(LookupConfig))]
public class TopologyLookup
{
    private static readonly OtherVolumes Others = new();
    private readonly NvmeOfConnector _native = new();
    private readonly OsBrickCliConnector _cli = new();
    private readonly NvmeTopology _topology = new();
    private BenchTargets? _targets;
    private LoopbackVolume _volume = null!;
    private Nqn _nqn = null!;
    private Nqn? _hostNqn;
    private NamespaceSelector _selector = null!;

    /// <summary>Other controllers connected while the volume is looked up (NVMENATIVE_BENCH_CONTROLLERS=1,50 narrows a run).</summary>
    [ParamsSource(nameof(OtherCounts))]
    public int OtherControllers { get; set; }

    public static IEnumerable<int> OtherCounts =>
        Environment.GetEnvironmentVariable("NVMENATIVE_BENCH_CONTROLLERS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse)
            : [1, 50, 200];

    internal static void ShutDown() => Others.Dispose();

    [GlobalSetup]
    public void Setup()
    {
        var clock = Stopwatch.StartNew();
        Others.EnsureCount(OtherControllers, _native);
        _targets = new BenchTargets(portals: 2);
        _volume = _targets.AddVolume();
        _native.Connect(_volume.Properties);
        _nqn = Nqn.Parse(_volume.Nqn);
        _hostNqn = HostIdentityStore.TryLoad()?.HostNqn;
        _selector = NamespaceSelector.ByUuid(NvmeUuid.Parse(_volume.Uuid.ToString()));

        // Every lookup must find the same, right device, or the comparison means nothing.
        string? native = NvmeNativeFindNamespace();
        string? osBrick = OsBrickScanPort();
        string? itself = OsBrickItself();
        string? connector = NvmeNativeConnectorPaths();
        if (native is null || native != osBrick || native != itself || native != connector)
            throw new InvalidOperationException(
                $"lookups disagree: NvmeNative {native}, its connector {connector}, os-brick port {osBrick}, os-brick itself {itself}");
        _volume.CheckIsAttachedAt(native);
        if (NvmeListSubsys() is null)
            throw new InvalidOperationException($"nvme list-subsys does not list {_volume.Nqn}");
        int controllers = Directory.EnumerateDirectories("/sys/class/nvme-fabrics/ctl", "nvme*").Count();
        Console.WriteLine($"// {controllers} controllers connected ({OtherControllers} others, set up in {clock.Elapsed.TotalSeconds:N1} s); looking up {_volume.Nqn} → {native}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            _native.Disconnect(_volume.Properties, ignoreErrors: true);
        }
        finally
        {
            _targets?.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public string? OsBrickItself()
    {
        var harness = Replicated.OsBrickHarness;
        string? device = harness.Lookup(_volume.PropertiesJson);
        Samples.Record(Samples.Key(typeof(TopologyLookup), nameof(OsBrickItself), ("OtherControllers", OtherControllers)),
            new Dictionary<string, double> { ["in python"] = harness.LastSeconds * 1000 });
        return device;
    }

    [Benchmark]
    public string? OsBrickScanPort() => _cli.FindDevice(_volume);

    [Benchmark]
    public string? NvmeListSubsys()
    {
        using var doc = JsonDocument.Parse(CliProcess.Run("nvme", "list-subsys", "-o", "json"));
        foreach (var host in EnumerateHosts(doc.RootElement))
        {
            foreach (var subsystem in host.TryGetProperty("Subsystems", out var list) ? list.EnumerateArray() : default)
            {
                if (subsystem.TryGetProperty("NQN", out var nqn) && nqn.GetString() == _volume.Nqn)
                    return subsystem.GetProperty("Name").GetString();
            }
        }
        return null;
    }

    [Benchmark]
    public string? NvmeNativeFindNamespace() => _topology.FindNamespace(_topology.ControllersOf(_nqn, null, _hostNqn), _selector)?.DevicePath;

    /// <summary>
    /// The same lookup through the connector (<c>GetVolumePaths</c>, the lookup detach and extend start with): the
    /// connector's topology shares the process's NQN index, so it too reads no other subsystem's NQN between changes.
    /// </summary>
    [Benchmark]
    public string? NvmeNativeConnectorPaths() => _native.GetVolumePaths(_volume.Properties).FirstOrDefault();

    // nvme-cli 2.x prints an array of hosts, each with its subsystems; older versions one object.
    private static IEnumerable<JsonElement> EnumerateHosts(JsonElement root) =>
        root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];

    /// <summary>Single lookups, timed one by one (milliseconds each under emulation): 2 warm-ups, 15 measured.</summary>
    private sealed class LookupConfig : ManualConfig
    {
        public LookupConfig()
        {
            AddJob(LabJobs.Latency.WithWarmupCount(2).WithIterationCount(15).WithId("lab-lookup"));
            AddColumn(new SegmentColumn("in python", "In Python", "os-brick itself only: median time of the lookup inside the Python process (the row adds the pipe round trip)"));
        }
    }

    /// <summary>
    /// The other controllers, kept across cases (connecting 200 takes a while under emulation): grown or shrunk to the
    /// count a case asks for. Each is a volume of its own subsystem on one portal, attached by NvmeNative.
    /// </summary>
    private sealed class OtherVolumes : IDisposable
    {
        private BenchTargets? _targets;
        private readonly List<LoopbackVolume> _attached = [];
        private readonly List<LoopbackVolume> _spare = [];

        public void EnsureCount(int count, NvmeOfConnector connector)
        {
            _targets ??= new BenchTargets(portals: 1, namespaceBytes: 1 << 20);
            while (_attached.Count > count)
            {
                var last = _attached[^1];
                connector.Disconnect(last.Properties);
                _attached.RemoveAt(_attached.Count - 1);
                _spare.Add(last);
            }
            while (_attached.Count < count)
            {
                LoopbackVolume volume;
                if (_spare.Count > 0)
                {
                    volume = _spare[^1];
                    _spare.RemoveAt(_spare.Count - 1);
                }
                else
                {
                    volume = _targets.AddVolume();
                }
                connector.Connect(volume.Properties);
                _attached.Add(volume);
            }
        }

        public void Dispose() => _targets?.Dispose(); // deletes every controller of its subsystems, then the targets
    }
}
