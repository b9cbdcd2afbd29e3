using BenchmarkDotNet.Attributes;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Benchmarks;

/// <summary>
/// Finding an attached volume's device among many connected controllers: NvmeNative's scoped lookup
/// (<c>ControllersOf</c> + <c>FindNamespace</c>, what attach, detach and paths do) against os-brick's scan
/// (set_portals_controllers over every fabrics controller, then find_device), ported to C# so that only the
/// sysfs access pattern differs, not the language.
/// </summary>
[LookupJob]
public class TopologyLookup
{
    private readonly NvmeOfConnector _native = new();
    private readonly OsBrickCliConnector _cli = new();
    private readonly NvmeTopology _topology = new();
    private readonly List<LoopbackVolume> _attached = [];
    private BenchTargets? _targets;
    private LoopbackVolume _volume = null!;
    private Nqn _nqn = null!;
    private Nqn? _hostNqn;
    private NamespaceSelector _selector = null!;

    /// <summary>Volumes attached, each on two portals: 2 × Volumes controllers; the one looked up was attached last.</summary>
    [Params(1, 16)]
    public int Volumes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(portals: 2);
        for (int i = 0; i < Volumes; i++)
        {
            var volume = _targets.AddVolume();
            _native.Connect(volume.Properties);
            _attached.Add(volume);
            _volume = volume;
        }
        _nqn = Nqn.Parse(_volume.Nqn);
        _hostNqn = HostIdentityStore.TryLoad()?.HostNqn;
        _selector = NamespaceSelector.ByUuid(NvmeUuid.Parse(_volume.Uuid.ToString()));

        // Both lookups must find the same, right device, or the comparison means nothing.
        string? native = NvmeNativeFindNamespace();
        string? osBrick = OsBrickScan();
        if (native is null || native != osBrick)
            throw new InvalidOperationException($"lookups disagree: NvmeNative {native}, os-brick scan {osBrick}");
        _volume.CheckIsAttachedAt(native);
        Console.WriteLine($"// {Volumes} volume(s), {2 * Volumes} controllers connected; looking up {_volume.Nqn} → {native}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            foreach (var volume in _attached)
                _native.Disconnect(volume.Properties, ignoreErrors: true);
        }
        finally
        {
            _targets?.Dispose(); // deletes whatever controller is left, then the targets
        }
    }

    [Benchmark(Baseline = true)]
    public string? OsBrickScan() => _cli.FindDevice(_volume);

    [Benchmark]
    public string? NvmeNativeFindNamespace() => _topology.FindNamespace(_topology.ControllersOf(_nqn, null, _hostNqn), _selector)?.DevicePath;
}
