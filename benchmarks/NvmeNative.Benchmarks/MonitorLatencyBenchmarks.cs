using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Connector;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.TestSupport;
using static NvmeNative.Monitoring.ReplicaEventKind;

namespace NvmeNative.Benchmarks;

/// <summary>
/// How fast the replica monitor sees a replica go and come back, on a 3-replica volume that is being written
/// to (a consumer's writes are what make md notice a lost leg): a replica's namespace is disabled on the target
/// and the clock runs until the monitor publishes the first event naming that replica, and until it publishes
/// member-faulty (by which time the replica-state record says failed); then the namespace is enabled again and
/// the clock runs until the array is optimal (path restored, re-added through the bitmap, resynced), healing
/// by the monitor's own policy. Each measured time includes the configfs write on the target side (a few ms).
/// </summary>
[Config(typeof(MonitorLatencyConfig))]
public class MonitorLatency
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private BenchTargets? _targets;
    private LoopbackVolume[] _replicas = null!;
    private LoopbackVolume _lost = null!;
    private ConnectionProperties _properties = null!;
    private NvmeOfConnector _connector = null!;
    private string _storeDirectory = null!;
    private ReplicaMonitor? _monitor;
    private IDisposable? _subscription;
    private BackgroundWriter? _writer;
    private readonly ReplicaEventLog _tape = new();
    private string _arrayUuid = null!;
    private int _mark;

    [GlobalSetup]
    public void Setup()
    {
        _targets = new BenchTargets(portals: 1);
        _replicas = [_targets.AddVolume(), _targets.AddVolume(), _targets.AddVolume()];
        _lost = _replicas[2];
        string alias = "benchmon-" + Guid.NewGuid().ToString("N")[..8];
        _properties = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{alias}}", "replica_count": 3, {{BenchKernel.ReplicaLegOptIn}}
             "volume_replicas": [{{string.Join(", ", _replicas.Select(r => r.PropertiesJson))}}]}
            """);
        _storeDirectory = Directory.CreateTempSubdirectory("nvmenative-bench-monitor-").FullName;
        var store = new FileReplicaStateStore(Path.Combine(_storeDirectory, "replicas"));
        _connector = new NvmeOfConnector(new NvmeOfConnectorOptions { ReplicaStateStore = store });
        var attached = _connector.Connect(_properties);
        if (attached.Replication?.Action != MdAttachAction.Created)
            throw new InvalidOperationException($"the first attach should create the array, not {attached.Replication?.Action}");
        _arrayUuid = ReplicaStateRecord.NormalizeArrayUuid((attached.Replication.Array
            ?? throw new InvalidOperationException("the attach reported no md array")).Uuid.ToString());

        _monitor = new ReplicaMonitor(new ReplicaMonitorOptions { ReplicaStateStore = store, Heal = true });
        _subscription = _monitor.Subscribe(_tape.Add);
        _monitor.Start();
        _writer = new BackgroundWriter(attached.Path);
        _writer.WaitForWrites(10, Deadline);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer?.Dispose();
        _subscription?.Dispose();
        _monitor?.StopAsync().AsTask().GetAwaiter().GetResult();
        if (!_lost.Namespace.IsEnabled)
            _lost.Namespace.Enable();
        _connector.Disconnect(_properties, force: true);
        _targets?.Dispose();
        Directory.Delete(_storeDirectory, recursive: true);
    }

    [IterationSetup(Targets = [nameof(FaultToFirstEvent), nameof(FaultToFaultyOnRecord)])]
    public void MarkHealthy()
    {
        _writer!.ThrowIfFailed();
        _mark = _tape.Count;
    }

    /// <summary>Namespace disabled → the monitor's first event naming the replica (path lost or member faulty).</summary>
    [Benchmark]
    public ReplicaEvent FaultToFirstEvent()
    {
        _lost.Namespace.Disable();
        return _tape.WaitFor(e => e.TargetNqn == _lost.Nqn, Deadline, CancellationToken.None, _mark);
    }

    /// <summary>Namespace disabled → member-faulty published, the record written before it.</summary>
    [Benchmark]
    public ReplicaEvent FaultToFaultyOnRecord()
    {
        _lost.Namespace.Disable();
        return _tape.WaitFor(e => e.Kind == MemberFaulty && e.TargetNqn == _lost.Nqn, Deadline, CancellationToken.None, _mark);
    }

    /// <summary>After each fault: the replica returns and the array heals before the next iteration.</summary>
    [IterationCleanup(Targets = [nameof(FaultToFirstEvent), nameof(FaultToFaultyOnRecord)])]
    public void Heal()
    {
        _tape.WaitFor(e => e.Kind == ArrayDegraded && e.ArrayUuid == _arrayUuid, Deadline, CancellationToken.None, _mark);
        int returned = _tape.Count;
        _lost.Namespace.Enable();
        _tape.WaitFor(e => e.Kind == ArrayOptimal && e.ArrayUuid == _arrayUuid, Deadline, CancellationToken.None, returned);
        _writer!.ThrowIfFailed();
    }

    [IterationSetup(Target = nameof(ReturnToOptimal))]
    public void LoseReplica()
    {
        _writer!.ThrowIfFailed();
        int mark = _tape.Count;
        _lost.Namespace.Disable();
        _tape.WaitFor(e => e.Kind == ArrayDegraded && e.ArrayUuid == _arrayUuid, Deadline, CancellationToken.None, mark);
        _mark = _tape.Count;
    }

    /// <summary>Namespace enabled again → array optimal (path restored, re-added through the bitmap, resynced).</summary>
    [Benchmark]
    public ReplicaEvent ReturnToOptimal()
    {
        _lost.Namespace.Enable();
        return _tape.WaitFor(e => e.Kind == ArrayOptimal && e.ArrayUuid == _arrayUuid, Deadline, CancellationToken.None, _mark);
    }

    [IterationCleanup(Target = nameof(ReturnToOptimal))]
    public void CheckWrites() => _writer!.ThrowIfFailed();

    /// <summary>Few iterations: each one is a fault and a heal, seconds under emulation.</summary>
    private sealed class MonitorLatencyConfig : ManualConfig
    {
        public MonitorLatencyConfig() =>
            AddJob(LabJobs.Latency.WithWarmupCount(1).WithIterationCount(8).WithId("lab-monitor"));
    }

    /// <summary>
    /// A consumer writing 4 KiB synchronous writes round a 1 MiB region without pause: md notices a lost leg when
    /// a write to it fails, so the fault latency includes a consumer's I/O, as it would on a real host.
    /// </summary>
    private sealed class BackgroundWriter : IDisposable
    {
        private const int Block = 4096;
        private const int Blocks = 256;
        private readonly Thread _thread;
        private readonly object _gate = new();
        private volatile bool _stop;
        private long _writes;
        private Exception? _error;

        public BackgroundWriter(string device)
        {
            _thread = new Thread(() => Run(device)) { IsBackground = true, Name = "bench-writer" };
            _thread.Start();
        }

        public void WaitForWrites(long count, TimeSpan deadline)
        {
            var end = DateTime.UtcNow + deadline;
            lock (_gate)
            {
                while (_writes < count && _error is null)
                {
                    var left = end - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                        throw new TimeoutException($"only {_writes} of {count} writes within {deadline}");
                    Monitor.Wait(_gate, left);
                }
            }
            ThrowIfFailed();
        }

        public void ThrowIfFailed()
        {
            lock (_gate)
            {
                if (_error is not null)
                    throw new InvalidOperationException("the consumer's writes failed: the volume did not stay up", _error);
            }
        }

        private void Run(string device)
        {
            try
            {
                using var file = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
                var data = new byte[Block];
                for (long n = 0; !_stop; n++)
                {
                    BitConverter.TryWriteBytes(data, n);
                    file.Position = (n % Blocks) * Block;
                    file.Write(data);
                    file.Flush(flushToDisk: true);
                    lock (_gate)
                    {
                        _writes++;
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _error = e;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }
}
