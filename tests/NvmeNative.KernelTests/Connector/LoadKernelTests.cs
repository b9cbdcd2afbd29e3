using System.Diagnostics;
using System.Text;
using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Issue 15's load: 16 volumes (10 single, 6 replicated over two replicas) attached and detached for a bounded number of
/// rounds by 8 threads of this process (14 volumes, two per thread but one) and 2 CLI processes (one volume each) at
/// once. Every attach must return the right volume (a single volume's namespace UUID and a replicated one's md array
/// UUID, and the signature written to each volume before the rounds), and afterwards nothing may be left: no controller,
/// array or /dev/md link of the volumes, no attach record, no lock held, no descriptor of this process. CI runs
/// <see cref="DefaultRounds"/> rounds; NVMENATIVE_LOAD_ROUNDS asks for a longer soak.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class LoadKernelTests
{
    private const int DefaultRounds = 2;
    private const int Threads = 8;
    private const long SingleSize = 16 << 20;

    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("NVMENATIVE_LOAD_ROUNDS"), out int r) && r > 0 ? r : DefaultRounds;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => $"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? Environment.OSVersion.Version.ToString()}]";

    /// <summary>One volume of the load: its properties, what identifies it, and the bytes written at its start.</summary>
    private sealed record LoadVolume(int Index, string Json, ConnectionProperties Properties, string? NamespaceUuid, string? Alias, byte[] Signature)
    {
        internal MdUuid? ArrayUuid { get; set; }

        internal bool IsReplicated => Alias is not null;
    }

    [Fact]
    public async Task Sixteen_volumes_from_eight_threads_and_two_processes_always_get_the_right_volume_and_leave_nothing()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        MdLab.RequireMd();
        using var state = new TestStateDirectory();
        using var target = new NvmetTarget();
        var replicated = new List<ReplicaSetTestVolume>();
        try
        {
            var volumes = new List<LoadVolume>();
            for (int i = 0; i < 10; i++)
            {
                var uuid = Guid.NewGuid();
                var export = target.CreateFileExport(SingleSize, new NamespaceOptions { Uuid = uuid }, label: $"load-{i}");
                byte[] signature = Signature(i, uuid.ToString());
                using (var backing = new FileStream(export.Namespace.DevicePath, FileMode.Open, FileAccess.Write))
                    backing.Write(signature);
                string json = $$"""{"target_nqn": "{{export.Subsystem.Nqn}}", "vol_uuid": "{{uuid}}", "portals": [["{{export.Port.TrAddr}}", {{export.Port.TrSvcId}}, "tcp"]]}""";
                volumes.Add(new LoadVolume(i, json, ConnectionProperties.Parse(json), uuid.ToString(), null, signature));
            }
            var setup = Connector(state);
            for (int i = 10; i < 16; i++)
            {
                var volume = new ReplicaSetTestVolume("load", 2);
                replicated.Add(volume);
                byte[] signature = Signature(i, volume.Alias);
                var created = setup.Connect(volume.Properties, Ct);
                Assert.Equal(MdAttachAction.Created, created.Replication!.Action);
                MdLab.WriteDevice(created.Path, 0, signature);
                var load = new LoadVolume(i, volume.PropertiesJson, volume.Properties, null, volume.Alias, signature) { ArrayUuid = created.Replication.Array!.Uuid };
                setup.Disconnect(volume.Properties, cancellationToken: Ct);
                volumes.Add(load);
            }
            // Two of each kind to the CLI processes, the rest to the threads.
            var forProcesses = new[] { volumes[9], volumes[15] };
            var forThreads = volumes.Except(forProcesses).ToList();
            var recordsBefore = HostLeftovers.Records();

            var clock = Stopwatch.StartNew();
            var failures = new List<string>();
            async Task RunRounds(int rounds)
            {
                var processes = forProcesses.Select(v => Task.Run(() => RunProcess(v, state.Path, failures, rounds), Ct)).ToList();
                var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() => RunThread(forThreads.Where(v => v.Index % Threads == t).ToList(), state, failures, rounds))).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                await Task.WhenAll(processes);
            }
            // The first round creates what the runtime and the library keep for the process's life (the thread pool's
            // and the readiness poller's epoll and event descriptors, the child-process signal pipe): descriptors are
            // counted after it, so what the check sees is growth with work, which a leak is.
            await RunRounds(1);
            int descriptorsBefore = Descriptors();
            var openBefore = OpenDescriptors();
            await RunRounds(Math.Max(1, Rounds - 1));
            Console.Error.WriteLine($"{Kernel} {Math.Max(2, Rounds)} round(s) of 16 volumes from {Threads} threads and 2 processes in {clock.Elapsed.TotalSeconds:0.0} s");
            // Descriptors are counted now, before the checks below open their own topologies. Each NvmeTopology (and so
            // each connector: the threads make one per round) keeps a netlink socket for its NQN index until it is
            // collected: what the rounds' finished connectors held is released by a collection, what is still open
            // after one is held by something alive, which a leak is.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var openAfter = OpenDescriptors();
            int descriptorsAfter = Descriptors();
            Assert.Empty(failures);

            var topology = new NvmeTopology();
            foreach (var volume in volumes.Where(v => !v.IsReplicated))
                Assert.Empty(topology.ControllersOf(ConnectionProperties.Parse(volume.Json).Targets[0].SubsystemNqn));
            foreach (var volume in replicated)
                volume.AssertGone();
            // No record of the load's volumes is left. A record an earlier test left for a controller that is gone may
            // be removed meanwhile (a record counts only while its device belongs to its subsystem), so only new ones count.
            Assert.Empty(HostLeftovers.Records().Except(recordsBefore));
            HostLeftovers.AssertLockFree();
            // Pipes are the test's own child processes' (their redirected streams close when the GC finalises them),
            // the lab's output FIFO is the runner's stdout, and the runtime's own assemblies are mapped as it loads
            // them: nothing of it is anything the library opens.
            var stdio = new[] { 0, 1, 2 }.Select(fd => new FileInfo($"/proc/self/fd/{fd}").LinkTarget).OfType<string>().ToHashSet(StringComparer.Ordinal);
            string runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
            var leaked = openAfter.Except(openBefore)
                .Select(d => (Entry: d, Target: d[(d.IndexOf("-> ", StringComparison.Ordinal) + 3)..]))
                .Where(d => !d.Target.StartsWith("pipe:", StringComparison.Ordinal) && !stdio.Contains(d.Target) && !d.Target.StartsWith(runtime, StringComparison.Ordinal))
                .Select(d => d.Entry)
                .ToList();
            Assert.True(leaked.Count <= 2, $"descriptors: {descriptorsBefore} before, {descriptorsAfter} after; new: {string.Join(", ", leaked)}");
        }
        finally
        {
            foreach (var volume in replicated)
                volume.Dispose();
        }
    }

    private static NvmeOfConnector Connector(TestStateDirectory state) => new(new NvmeOfConnectorOptions { ReplicaStateStore = state.Store });

    private static byte[] Signature(int index, string identity)
    {
        var signature = new byte[4096];
        Encoding.ASCII.GetBytes($"nvmenative load volume {index} {identity}").CopyTo(signature, 0);
        return signature;
    }

    /// <summary>A thread's rounds over its volumes, sharing one connector per thread (as an agent would).</summary>
    private static void RunThread(List<LoadVolume> volumes, TestStateDirectory state, List<string> failures, int rounds)
    {
        var connector = Connector(state);
        for (int round = 0; round < rounds; round++)
        {
            foreach (var volume in volumes)
            {
                try
                {
                    var attached = connector.Connect(volume.Properties, Ct);
                    Check(volume, attached.Path, attached.Replication?.Array?.Uuid);
                    connector.Disconnect(volume.Properties, cancellationToken: Ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    lock (failures)
                        failures.Add($"volume {volume.Index} round {round}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    /// <summary>A CLI process per attach and per detach, for one volume, for every round.</summary>
    private static void RunProcess(LoadVolume volume, string stateDirectory, List<string> failures, int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            var (exit, output, error) = CliProcess.Run(volume.Json, "attach", "-", "--state-store", "file:" + stateDirectory);
            try
            {
                Assert.True(exit == 0, error);
                var json = JsonDocument.Parse(output).RootElement;
                string path = json.GetProperty("path").GetString()!;
                MdUuid? arrayUuid = json.TryGetProperty("md_uuid", out var uuid) && uuid.GetString() is { } text ? MdUuid.Parse(text) : null;
                Check(volume, path, arrayUuid);
            }
            catch (Exception e)
            {
                lock (failures)
                    failures.Add($"volume {volume.Index} round {round} (CLI): {e.Message}");
            }
            var (detachExit, _, detachError) = CliProcess.Run(volume.Json, "detach", "-", "--state-store", "file:" + stateDirectory);
            if (detachExit != 0)
            {
                lock (failures)
                    failures.Add($"volume {volume.Index} round {round} (CLI detach): {detachError}");
            }
        }
    }

    /// <summary>The attached device is this volume: its namespace UUID or array UUID, and its signature.</summary>
    private static void Check(LoadVolume volume, string path, MdUuid? arrayUuid)
    {
        if (volume.IsReplicated)
        {
            Assert.Equal("/dev/md/" + volume.Alias, path);
            Assert.Equal(volume.ArrayUuid, arrayUuid);
        }
        else
        {
            string device = Path.GetFileName(path);
            Assert.Equal(volume.NamespaceUuid, File.ReadAllText($"/sys/block/{device}/uuid").Trim());
        }
        Assert.Equal(volume.Signature, MdLab.ReadDevice(path, 0, volume.Signature.Length));
    }

    private static int Descriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>Each open descriptor with what it refers to (<c>12 -> anon_inode:inotify</c>), for a leak's diagnosis.</summary>
    private static HashSet<string> OpenDescriptors()
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                open.Add($"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}");
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return open;
    }
}
