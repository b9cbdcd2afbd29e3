using System.Diagnostics;
using NvmeNative.Connector;
using NvmeNative.Md;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.Target;

/// <summary>
/// The replicated story end to end, told as it happens: a 3-replica volume attached, a replica lost while writes run
/// (the writes go on; the array is degraded; the monitor reports it and records it), the replica back (re-added,
/// resynced), detach; then the design document's stale scenario refused; then the attach time next to what
/// <c>nvme connect</c> + <c>mdadm --assemble</c> take for the same volume.
/// </summary>
internal sealed class ReplicaStory(NvmetTarget target)
{
    private static readonly TimeSpan EventDeadline = TimeSpan.FromMinutes(2);

    internal async Task<bool> RunAsync()
    {
        var replicas = Enumerable.Range(0, 3)
            .Select(i => target.CreateFileExport(32 << 20, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: $"story-{(char)('a' + i)}"))
            .ToList();
        string alias = "story-" + Guid.NewGuid().ToString("N")[..8];
        string json = $$"""{"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{alias}}", "replica_count": 3, "volume_replicas": [{{string.Join(", ", replicas.Select(Replica))}}]}""";
        var props = ConnectionProperties.Parse(json);
        var connector = new NvmeOfConnector();
        var arrays = new MdArrays();

        Step("1. attach a volume of 3 replicas (3 NVMe/TCP targets, md RAID1 on this host)");
        var clock = Stopwatch.StartNew();
        var volume = connector.Connect(props);
        Say($"attached in {clock.Elapsed.TotalMilliseconds:F0} ms: {volume.Path} ({volume.Replication!.Action}, {volume.Replication.Array!.Device})");

        Step("2. the replica monitor watches it (kernel notifications, no timer), healing on");
        var events = new List<ReplicaEvent>();
        // The same store the connector uses by default: the monitor finds the volume's record by its array uuid there.
        await using var monitor = new ReplicaMonitor(new ReplicaMonitorOptions { Heal = true, ReplicaStateStore = new FileReplicaStateStore() });
        using var subscription = monitor.Subscribe(e =>
        {
            lock (events)
                events.Add(e);
            Say("  event: " + e);
        });
        monitor.Start();

        Step("3. write continuously; lose replica C on its target (namespace disabled) while the writes run");
        using (var writer = new Writer(volume.Path))
        {
            writer.WaitFor(20);
            replicas[2].Namespace.Disable();
            await WaitForEvent(events, e => e.Kind == ReplicaEventKind.ArrayDegraded);
            int before = writer.Writes;
            writer.WaitFor(before + 20);
            Say($"writes went on: {writer.Writes - before} more since the loss, none failed; array degraded");

            Step("4. replica C comes back: re-added through the write-intent bitmap, resynced");
            int mark = Count(events);
            replicas[2].Namespace.Enable();
            await WaitForEvent(events, e => e.Kind == ReplicaEventKind.ArrayOptimal, mark);
            writer.Stop();
            Say($"writes: {writer.Writes}, errors: {writer.Errors}, longest write {writer.Longest.TotalMilliseconds:F0} ms");
            if (writer.Errors > 0)
                return false;
        }

        Step("5. the design document's danger: replica C is lost again while new data is written, then the volume is detached");
        byte[] newest = new byte[64 << 10];
        Random.Shared.NextBytes(newest);
        int lostAgain = Count(events);
        replicas[2].Namespace.Disable();
        Write(volume.Path, newest); // md fails C on this write and goes on with A and B
        await WaitForEvent(events, e => e.Kind == ReplicaEventKind.MemberFaulty, lostAgain);
        Write(volume.Path, newest);
        await monitor.StopAsync();
        connector.Disconnect(props);
        Say("detached; the record says replica C failed while A and B went on");

        Step("6. later only the stale replica C is reachable (A and B are down): the attach is refused");
        replicas[0].Port.Unlink(replicas[0].Subsystem);
        replicas[1].Port.Unlink(replicas[1].Subsystem);
        replicas[2].Namespace.Enable();
        bool refused = false;
        try
        {
            connector.Connect(props);
        }
        catch (AttachFailedException e) when (e.InnerException is ReplicaStartRefusedException stale)
        {
            refused = true;
            Say("refused: " + stale.Decision.Message);
            foreach (var left in stale.LeftOut)
                Say($"  {left}");
        }
        Say(refused ? "nothing was left behind: no array, no controller" : "NOT REFUSED: the stale replica was served");

        Step("7. A and B are back: the volume starts from them, serves the newest data and re-adds C");
        replicas[0].Port.Link(replicas[0].Subsystem);
        replicas[1].Port.Link(replicas[1].Subsystem);
        var back = connector.Connect(props);
        bool newestServed = Read(back.Path, newest.Length).AsSpan().SequenceEqual(newest);
        Say($"{back.Replication!.Start!.Rule} from replicas {string.Join(", ", back.Replication.Start.Sources)}; resyncing {string.Join(", ", back.Replication.Healing)}; " +
            (newestServed ? "the newest data reads back" : "OLD DATA SERVED"));
        arrays.WaitForInSync(back.Replication.Array!.Device, TimeSpan.FromMinutes(2));
        connector.Disconnect(props);

        Step("8. attach time of this volume (existing array): NvmeNative vs nvme connect + mdadm --assemble");
        var ours = Time(() => connector.Connect(props));
        var device = connector.GetVolumePaths(props).Single();
        var oursDetach = Time(() => connector.Disconnect(props));
        var (cliAttach, cliDetach) = CliPath(replicas, alias, connector);
        Say($"attach: NvmeNative {ours.TotalMilliseconds:F0} ms, nvme-cli + mdadm {cliAttach.TotalMilliseconds:F0} ms");
        Say($"detach: NvmeNative {oursDetach.TotalMilliseconds:F0} ms, mdadm --stop + nvme disconnect {cliDetach.TotalMilliseconds:F0} ms");
        Say($"(one run each under the lab's software emulation: ratios mean something, absolute times do not; {device})");
        return refused && newestServed;
    }

    private static string Replica(NvmetExport e) =>
        $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]}""";

    /// <summary>What a script of the CLIs does for the same volume: nvme connect per replica, mdadm --assemble, then the reverse.</summary>
    private static (TimeSpan Attach, TimeSpan Detach) CliPath(List<NvmetExport> replicas, string alias, NvmeOfConnector connector)
    {
        var clock = Stopwatch.StartNew();
        foreach (var r in replicas)
            Run("nvme", "connect", "-t", "tcp", "-a", r.Port.TrAddr, "-s", r.Port.TrSvcId.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", r.Subsystem.Nqn);
        // A script would wait for udev; this waits until each namespace's block device exists, as that wait would.
        var devices = replicas.Select(r => WaitForDevice(connector, r)).ToList();
        Run("mdadm", ["--assemble", "--run", "/dev/md/" + alias, .. devices]);
        var attach = clock.Elapsed;
        clock.Restart();
        Run("mdadm", "--stop", "/dev/md/" + alias);
        foreach (var r in replicas)
            Run("nvme", "disconnect", "-n", r.Subsystem.Nqn);
        return (attach, clock.Elapsed);
    }

    private static string WaitForDevice(NvmeOfConnector connector, NvmetExport replica)
    {
        var deadline = Stopwatch.StartNew();
        var nqn = NvmeNative.Nvme.Nqn.Parse(replica.Subsystem.Nqn);
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var ns = connector.Topology.NamespacesOf(connector.Topology.ControllersOf(nqn)).FirstOrDefault(n => n.Uuid?.Value == replica.Namespace.Uuid);
            if (ns is not null && File.Exists(ns.DevicePath))
                return ns.DevicePath;
            Thread.Sleep(1);
        }
        throw new TimeoutException($"no block device for {replica.Subsystem.Nqn}");
    }

    private static void Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}: {err.Trim()}");
    }

    private static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    private static int Count(List<ReplicaEvent> events)
    {
        lock (events)
            return events.Count;
    }

    private static async Task WaitForEvent(List<ReplicaEvent> events, Func<ReplicaEvent, bool> match, int from = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < EventDeadline)
        {
            lock (events)
                if (events.Skip(from).Any(match))
                    return;
            await Task.Delay(20);
        }
        throw new TimeoutException("the expected monitor event did not arrive");
    }

    private static void Write(string path, byte[] data)
    {
        using var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
        device.Write(data);
        device.Flush(true);
    }

    private static byte[] Read(string path, int length)
    {
        byte[] data = new byte[length];
        using var device = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        device.ReadExactly(data);
        return data;
    }

    private static void Step(string text) => Console.WriteLine($"\n== {text}");

    private static void Say(string text) => Console.WriteLine(text);

    /// <summary>Writes 64 KiB blocks in a loop (through to the device), counting writes, errors and the longest write.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private int _writes;
        private int _errors;
        private long _longestTicks;

        internal Writer(string path)
        {
            _thread = new Thread(() =>
            {
                byte[] block = new byte[64 << 10];
                using var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
                long blocks = Math.Max(1, device.Length / block.Length - 2);
                for (long i = 1; !_stop; i = i % blocks + 1)
                {
                    Random.Shared.NextBytes(block);
                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        device.Position = i * block.Length;
                        device.Write(block);
                        device.Flush(true);
                        Interlocked.Increment(ref _writes);
                    }
                    catch (IOException)
                    {
                        Interlocked.Increment(ref _errors);
                    }
                    long took = Stopwatch.GetTimestamp() - start;
                    if (took > Interlocked.Read(ref _longestTicks))
                        Interlocked.Exchange(ref _longestTicks, took);
                }
            }) { IsBackground = true, Name = "demo writer" };
            _thread.Start();
        }

        internal int Writes => Volatile.Read(ref _writes);

        internal int Errors => Volatile.Read(ref _errors);

        internal TimeSpan Longest => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _longestTicks));

        internal void WaitFor(int writes)
        {
            var deadline = Stopwatch.StartNew();
            while (Writes < writes && deadline.Elapsed < EventDeadline)
                Thread.Sleep(10);
        }

        internal void Stop()
        {
            _stop = true;
            _thread.Join();
        }

        public void Dispose() => Stop();
    }
}
