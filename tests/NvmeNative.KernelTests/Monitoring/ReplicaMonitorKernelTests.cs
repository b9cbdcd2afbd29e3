using System.Diagnostics;
using System.Globalization;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using static NvmeNative.Monitoring.ReplicaEventKind;

namespace NvmeNative.KernelTests.Monitoring;

/// <summary>
/// The replica monitor against a real 3-replica volume over NVMe/TCP loopback while checksummed data is written: a
/// replica's namespace disabled on the target is reported faulty and degraded, on record before the test reads it,
/// handed to the hook, and the writes go on; back (re-enabled, or recreated blank) it is restored, put back by the
/// heal policy, rebuilt and optimal, in that order, with its leg identical to the others past the data offset and
/// every block reading back its last checksum.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ReplicaMonitorKernelTests(EtcdLab etcd) : IDisposable
{
    private const long ReplicaSize = 16 << 20;
    private const int BlockSize = 64 << 10;
    private const int Blocks = 64; // a 4 MiB region written round and round
    private const long RegionOffset = 1 << 20;
    private static readonly TimeSpan EventDeadline = TimeSpan.FromSeconds(120);

    private readonly string _storeDir = Directory.CreateTempSubdirectory("nvmenative-monitor-kt-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? "?";

    public void Dispose() => Directory.Delete(_storeDir, recursive: true);

    /// <summary>The monitor is restarted between the loss and the return: it rebuilds its view from sysfs and the record.</summary>
    [Fact]
    public Task A_replica_disabled_and_re_enabled_is_failed_on_record_then_re_added_through_the_bitmap() =>
        LoseAndReturn(blank: false);

    /// <summary>With the records in etcd: the monitor finds the volume by listing the store's prefix.</summary>
    [Fact]
    public Task A_replica_recreated_blank_is_added_for_a_full_rebuild() =>
        LoseAndReturn(blank: true);

    [Fact]
    public async Task Watch_runs_until_sigterm_and_then_exits_0()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[CliProcess.Cli, "-v", "watch", "--json", "--state-store", "file:" + Path.Combine(_storeDir, "watch")])
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(Ct);
            string? line;
            do
                line = await process.StandardError.ReadLineAsync(Ct).AsTask().WaitAsync(EventDeadline, Ct);
            while (line is not null && !line.Contains("Replica monitor started", StringComparison.Ordinal));
            Assert.NotNull(line); // it said it is watching before the signal
            var rest = process.StandardError.ReadToEndAsync(Ct);

            Tools.Check("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));

            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Replica monitor stopped", await rest);
            await output;
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    private async Task LoseAndReturn(bool blank)
    {
        using var volume = new ReplicatedTestVolume(blank ? "monblank" : "mon", replicas: 3, size: ReplicaSize);
        // One case per store: the file store, and etcd (the monitor lists the etcd prefix to find the volume).
        IReplicaStateStore store = blank
            ? NvmeNative.ReplicaState.Etcd.ReplicaStateStores.Create(etcd.UniqueStoreUri())
            : new FileReplicaStateStore(Path.Combine(_storeDir, "replicas"));
        using var storeLifetime = store as IDisposable;
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { ReplicaStateStore = store });
        var arrays = new MdArrays();
        var attached = connector.Connect(volume.Properties, Ct);
        var md = MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget(attached.Path, true)!.FullName));
        arrays.WaitForInSync(md, TimeSpan.FromMinutes(2), Ct);
        string arrayUuid = ReplicaStateRecord.NormalizeArrayUuid(arrays.GetState(md)!.Uuid!);
        var lost = volume.Exports[2];

        var log = new EventLog();
        var hooked = new EventLog();
        ReplicaMonitor NewMonitor()
        {
            var m = new ReplicaMonitor(new ReplicaMonitorOptions
            {
                ReplicaStateStore = store,
                Heal = true,
                Logger = new StderrLogger(),
                Hook = (e, _) =>
                {
                    hooked.Add(e);
                    return Task.CompletedTask;
                },
            });
            m.Subscribe(log.Add);
            m.Start();
            return m;
        }
        var monitor = NewMonitor();
        using var writer = new ChecksummedWriter(attached.Path);
        try
        {
            writer.WaitForWrites(10, Ct);

            lost.Namespace.Disable();
            var faulty = log.WaitFor(e => e.Kind == MemberFaulty && e.TargetNqn == lost.Subsystem.Nqn, EventDeadline, Ct);
            log.WaitFor(e => e.Kind == ArrayDegraded && e.ArrayUuid == arrayUuid, EventDeadline, Ct);
            Console.Error.WriteLine($"[{Kernel}] {faulty}");
            Assert.Equal(volume.Alias, faulty.VolumeAlias);
            Assert.Equal(arrayUuid, faulty.ArrayUuid);
            // On record before the test (or anyone the monitor told) could read it.
            var record = ((IReplicaStateCatalog)store).ReadAll(Ct).Single(r => r.ArrayUuid == arrayUuid);
            var entry = record.Replicas.Single(r => r.Replica.TargetNqn == lost.Subsystem.Nqn);
            Assert.Equal(ReplicaCondition.Failed, entry.State);
            Assert.All(record.Replicas.Where(r => r != entry), r => Assert.Equal(ReplicaCondition.InSync, r.State));
            hooked.WaitFor(e => e.Kind == MemberFaulty && e.TargetNqn == lost.Subsystem.Nqn, EventDeadline, Ct);
            // The writes go on, degraded.
            writer.WaitForWrites(writer.Writes + 10, Ct);

            if (!blank)
            {
                // A restart mid-incident: the new monitor knows nothing but sysfs and the record, and heals all the same.
                await monitor.DisposeAsync();
                monitor = NewMonitor();
            }
            int returnedAt = log.Count;
            if (blank)
                Zero(lost.Namespace.DevicePath, 8 << 20); // the backend recreated it empty: no superblock, no bitmap
            lost.Namespace.Enable();
            log.WaitFor(e => e.Kind == ArrayOptimal && e.ArrayUuid == arrayUuid, EventDeadline, Ct, from: returnedAt);
            writer.WaitForWrites(writer.Writes + 10, Ct);
            writer.Stop();

            var after = log.Since(returnedAt);
            Console.Error.WriteLine($"[{Kernel}] after the return:\n  " + string.Join("\n  ", after));
            int restored = after.FindIndex(e => e.Kind == PathRestored && e.TargetNqn == lost.Subsystem.Nqn);
            int back = after.FindIndex(e => e.Kind == (blank ? MemberAdded : MemberReAdded) && e.TargetNqn == lost.Subsystem.Nqn);
            int finished = back < 0 ? -1 : after.FindIndex(back, e => e.Kind == RebuildFinished);
            int optimal = after.FindIndex(e => e.Kind == ArrayOptimal);
            Assert.True(restored >= 0 && restored < back && back < finished && finished < optimal,
                $"expected path restored < {(blank ? "added" : "re-added")} < rebuild finished < optimal, got {restored}, {back}, {finished}, {optimal}");
            var synced = arrays.WaitForInSync(md, TimeSpan.FromMinutes(2), Ct);
            Assert.Equal(3, synced.Members.Count(m => m.IsActive));
            record = ((IReplicaStateCatalog)store).ReadAll(Ct).Single(r => r.ArrayUuid == arrayUuid);
            Assert.All(record.Replicas, r => Assert.Equal(ReplicaCondition.InSync, r.State));

            writer.Verify();
            var legs = synced.Members.Where(m => m.IsActive).Select(m => "/dev/" + m.KernelName).ToList();
            long offset = Examine.DataOffsetBytes(legs[0]);
            long length = synced.ComponentSizeKiB * 1024;
            foreach (var leg in legs)
                MdLab.FlushBuffers(leg);
            MdLab.AssertSameData(legs.Select(l => (l, Examine.DataOffsetBytes(l))).ToList(), length);
            Assert.Equal(offset, Examine.DataOffsetBytes(legs[^1]));
        }
        finally
        {
            writer.Stop();
            await monitor.DisposeAsync();
            if (!lost.Namespace.IsEnabled)
                lost.Namespace.Enable();
            connector.Disconnect(volume.Properties, cancellationToken: Ct);
        }
        volume.AssertGone();
    }

    private static void Zero(string backingFile, int length)
    {
        using var file = new FileStream(backingFile, FileMode.Open, FileAccess.Write);
        file.Write(new byte[length]);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The monitor's own lines (healing steps, refusals) in the lab's output, for a failure's diagnosis.</summary>
    private sealed class StderrLogger : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && eventId.Id != 3) // 3: each event, printed by the test itself
                Console.Error.WriteLine($"[{Kernel}] monitor {logLevel}: {formatter(state, exception)}");
        }
    }

    /// <summary>Events as the monitor published them, with waits woken by each new one.</summary>
    private sealed class EventLog
    {
        private readonly List<ReplicaEvent> _events = [];

        internal int Count
        {
            get
            {
                lock (_events)
                    return _events.Count;
            }
        }

        internal void Add(ReplicaEvent e)
        {
            lock (_events)
            {
                _events.Add(e);
                Monitor.PulseAll(_events);
            }
        }

        internal List<ReplicaEvent> Since(int index)
        {
            lock (_events)
                return _events.Skip(index).ToList();
        }

        internal ReplicaEvent WaitFor(Func<ReplicaEvent, bool> match, TimeSpan timeout, CancellationToken ct, int from = 0)
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            lock (_events)
            {
                while (true)
                {
                    if (_events.Skip(from).FirstOrDefault(match) is { } found)
                        return found;
                    long left = deadline - Environment.TickCount64;
                    ct.ThrowIfCancellationRequested();
                    Assert.True(left > 0, "the awaited event did not arrive; seen:\n  " + string.Join("\n  ", _events));
                    Monitor.Wait(_events, (int)Math.Min(left, 1000));
                }
            }
        }
    }

    /// <summary>
    /// Writes 64 KiB blocks round and round a region of the volume, each with a generation's pattern, and remembers
    /// the last generation of every block, so that every block can be checked after the fault and the return.
    /// </summary>
    private sealed class ChecksummedWriter : IDisposable
    {
        private readonly string _device;
        private readonly int[] _generation = new int[Blocks];
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private readonly object _gate = new();
        private int _writes;
        private Exception? _error;

        internal ChecksummedWriter(string device)
        {
            _device = device;
            _thread = new Thread(Run) { IsBackground = true, Name = "checksummed-writer" };
            _thread.Start();
        }

        internal int Writes => Volatile.Read(ref _writes);

        private void Run()
        {
            try
            {
                using var file = new FileStream(_device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
                for (int n = 1; !_stop.IsCancellationRequested; n++)
                {
                    int block = n % Blocks;
                    file.Position = RegionOffset + (long)block * BlockSize;
                    file.Write(MdLab.Pattern(Seed(block, n), BlockSize));
                    file.Flush(flushToDisk: true);
                    lock (_gate)
                    {
                        _generation[block] = n;
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

        private static int Seed(int block, int generation) => (block * 1_000_003) ^ generation;

        internal void WaitForWrites(int count, CancellationToken ct)
        {
            long deadline = Environment.TickCount64 + (long)EventDeadline.TotalMilliseconds;
            lock (_gate)
            {
                while (_writes < count)
                {
                    Assert.Null(_error); // a write failed: the volume did not go on through the fault
                    ct.ThrowIfCancellationRequested();
                    long left = deadline - Environment.TickCount64;
                    Assert.True(left > 0, $"the writes stalled at {_writes} (waiting for {count})");
                    Monitor.Wait(_gate, (int)Math.Min(left, 1000));
                }
                Assert.Null(_error);
            }
        }

        internal void Stop()
        {
            _stop.Cancel();
            _thread.Join();
        }

        /// <summary>Every block reads back with its last generation's pattern.</summary>
        internal void Verify()
        {
            Assert.Null(_error);
            MdLab.FlushBuffers(_device);
            for (int block = 0; block < Blocks; block++)
            {
                if (_generation[block] == 0)
                    continue;
                var read = MdLab.ReadDevice(_device, RegionOffset + (long)block * BlockSize, BlockSize);
                Assert.True(MdLab.Pattern(Seed(block, _generation[block]), BlockSize).AsSpan().SequenceEqual(read),
                    $"block {block} does not hold generation {_generation[block]}");
            }
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }
    }
}
