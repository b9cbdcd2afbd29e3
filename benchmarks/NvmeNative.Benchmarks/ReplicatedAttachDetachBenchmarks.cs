using BenchmarkDotNet.Attributes;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;
using NvmeNative.Connector;

namespace NvmeNative.Benchmarks;

/// <summary>
/// A replicated volume (two replicas on two targets, md RAID1 on the host) attached and detached again, the
/// array existing already (every attach after a volume's first): NvmeNative's connector (md ioctls) against
/// os-brick's path (nvme connect per replica, mdadm --examine, mdadm --assemble --run; mdadm --detail,
/// mdadm --stop, nvme disconnect).
/// </summary>
[LatencyJob]
public class ReplicatedAttachDetach
{
    private readonly NvmeOfConnector _native = new();
    private readonly OsBrickCliConnector _cli = new();
    private BenchTargets? _targets;
    private LoopbackVolume[] _replicas = null!;
    private string _alias = null!;
    private ConnectionProperties _properties = null!;

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(portals: 1);
        _replicas = [_targets.AddVolume(), _targets.AddVolume()];
        _alias = "bench-" + Guid.NewGuid().ToString("N")[..8];
        _properties = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{_alias}}", "replica_count": 2,
             "volume_replicas": [{{string.Join(", ", _replicas.Select(r => r.PropertiesJson))}}]}
            """);
        // The volume's first attach creates the array; the measured attaches assemble it.
        var created = _native.Connect(_properties);
        if (created.Replication?.Action != MdAttachAction.Created)
            throw new InvalidOperationException($"the first attach should create the array, not {created.Replication?.Action}");
        _native.Disconnect(_properties);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        StopArray();
        _targets?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public string OsBrickMdadm()
    {
        try
        {
            var (device, slept) = _cli.ConnectReplicated(_replicas, _alias);
            RetryLedger.Record(RetryLedger.Key(typeof(ReplicatedAttachDetach), nameof(OsBrickMdadm)), slept);
            CheckIsTheArray(device);
            _cli.DisconnectReplicated(_replicas, _alias);
            return device;
        }
        catch
        {
            StopArray();
            BenchTargets.DeleteControllersOf(_replicas.Select(r => r.Nqn));
            throw;
        }
    }

    [Benchmark]
    public string NvmeNative()
    {
        try
        {
            var volume = _native.Connect(_properties);
            if (volume.Replication?.Action != MdAttachAction.Assembled || volume.Replication.Degraded)
                throw new InvalidOperationException($"expected a clean assembly, got {volume.Replication?.Action} (degraded: {volume.Replication?.Degraded})");
            CheckIsTheArray(volume.Path);
            _native.Disconnect(_properties);
            return volume.Path;
        }
        catch
        {
            StopArray();
            BenchTargets.DeleteControllersOf(_replicas.Select(r => r.Nqn));
            throw;
        }
    }

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

    /// <summary>The device is a running RAID1 whose two members are the replicas' namespaces.</summary>
    private void CheckIsTheArray(string device)
    {
        string md = Path.GetFileName(File.ResolveLinkTarget(device, returnFinalTarget: true)?.FullName ?? device);
        var members = Directory.GetFileSystemEntries($"/sys/block/{md}/slaves").Select(Path.GetFileName).ToList();
        var uuids = members.Select(m => Sysfs.Read($"/sys/class/block/{m}/uuid")).Order().ToList();
        var expected = _replicas.Select(r => r.Uuid.ToString()).Order().ToList();
        if (!uuids.SequenceEqual(expected))
            throw new InvalidOperationException($"{device} ({md}) has members {string.Join(", ", members)} with uuids {string.Join(", ", uuids)}; expected {string.Join(", ", expected)}");
    }

    private void StopArray()
    {
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
}
