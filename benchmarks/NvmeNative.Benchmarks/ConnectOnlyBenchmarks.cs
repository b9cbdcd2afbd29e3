using BenchmarkDotNet.Attributes;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;

namespace NvmeNative.Benchmarks;

/// <summary>
/// The attach alone (what a VM start waits for): the detach runs in IterationCleanup, outside the
/// measurement, by the same path that attached.
/// </summary>
[LatencyJob]
public class AttachOnly
{
    private readonly NvmeOfConnector _native = new();
    private readonly OsBrickCliConnector _cli = new();
    private BenchTargets? _targets;
    private LoopbackVolume _volume = null!;
    private string? _cliDevice;
    private string? _nativeDevice;

    /// <summary>Portals the volume is exported on (2 = native multipath).</summary>
    [Params(1, 2)]
    public int Portals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(Portals);
        _volume = _targets.AddVolume();
    }

    [GlobalCleanup]
    public void Cleanup() => _targets?.Dispose();

    [Benchmark(Baseline = true)]
    public string OsBrickNvmeCli()
    {
        var (device, slept) = _cli.ConnectVolume(_volume);
        _cliDevice = device;
        RetryLedger.Record(RetryLedger.Key(typeof(AttachOnly), nameof(OsBrickNvmeCli), Portals), slept);
        return device;
    }

    [Benchmark]
    public string NvmeNative()
    {
        _nativeDevice = _native.Connect(_volume.Properties).Path;
        return _nativeDevice;
    }

    /// <summary>Checks the volume attached is ours, detaches it the same way, and fails the case on a leftover.</summary>
    [IterationCleanup]
    public void Detach()
    {
        try
        {
            if (_cliDevice is { } cli)
            {
                _volume.CheckIsAttachedAt(cli);
                _cli.DisconnectVolume(_volume, cli);
            }
            if (_nativeDevice is { } native)
            {
                _volume.CheckIsAttachedAt(native);
                _native.Disconnect(_volume.Properties, native);
            }
        }
        finally
        {
            _cliDevice = _nativeDevice = null;
            Leftovers.Check(_volume);
        }
    }
}
