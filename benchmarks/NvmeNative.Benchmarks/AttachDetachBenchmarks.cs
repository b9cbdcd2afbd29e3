using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;

namespace NvmeNative.Benchmarks;

/// <summary>
/// A whole attach and detach of one volume, from no controller back to no controller: NvmeNative's
/// connector against os-brick's nvme-cli path, on one portal and on two (native multipath).
/// </summary>
[LatencyJob]
public class AttachDetach
{
    private readonly NvmeOfConnector _native = new();
    private readonly OsBrickCliConnector _cli = new();
    private BenchTargets? _targets;
    private LoopbackVolume _volume = null!;
    private PhaseRecorder? _phases;

    /// <summary>Portals the volume is exported on (each gives one controller: 2 = native multipath).</summary>
    [Params(1, 2)]
    public int Portals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(Portals);
        _volume = _targets.AddVolume();
        _phases = new PhaseRecorder();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _phases?.Dispose();
        _targets?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public string OsBrickNvmeCli()
    {
        try
        {
            var (device, slept) = _cli.ConnectVolume(_volume);
            RetryLedger.Record(RetryLedger.Key(typeof(AttachDetach), nameof(OsBrickNvmeCli), Portals), slept);
            _volume.CheckIsAttachedAt(device);
            _cli.DisconnectVolume(_volume, device);
            return device;
        }
        catch
        {
            BenchTargets.DeleteControllersOf([_volume.Nqn]);
            throw;
        }
    }

    [Benchmark]
    public string NvmeNative()
    {
        try
        {
            var segments = new Dictionary<string, double>();
            _phases!.Clear();
            var clock = Stopwatch.StartNew();
            var volume = _native.Connect(_volume.Properties);
            segments["attach"] = clock.Elapsed.TotalMilliseconds;
            _volume.CheckIsAttachedAt(volume.Path);
            clock.Restart();
            _native.Disconnect(_volume.Properties, volume.Path);
            segments["detach"] = clock.Elapsed.TotalMilliseconds;
            _phases.TakeInto(segments);
            Samples.Record(Samples.Key(typeof(AttachDetach), nameof(NvmeNative), ("Portals", Portals)), segments);
            return volume.Path;
        }
        catch
        {
            BenchTargets.DeleteControllersOf([_volume.Nqn]);
            throw;
        }
    }

    /// <summary>Each detach must have removed every controller; a leftover fails the case (after deleting it).</summary>
    [IterationCleanup]
    public void CheckNothingLeft() => Leftovers.Check(_volume);
}
