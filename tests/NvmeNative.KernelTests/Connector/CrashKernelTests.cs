using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.TestSupport;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Issue 15's crashes: <c>nvmenative attach</c> and <c>detach</c> processes killed with SIGKILL at points of their work,
/// for a single and a replicated (two replicas) volume. A point is a phase of the library's work (an activity of
/// <see cref="NvmeNative.Diagnostics.Telemetry.Activities"/>), which the CLI prints as it starts under <c>-vv</c>: the
/// test kills the process as the Nth phase starts, so the points are the same on every run (the phases are the ones a
/// reference attach and detach went through, sampled with a fixed seed). After each killed attach the next attach of
/// the volume must return the right volume (namespace UUID or array UUID, and the bytes written before), or the next
/// detach must leave nothing (every other point); after each killed detach the next detach must leave nothing: no
/// controller of the volume's subsystems, no md array over NVMe, no /dev/md link or map entry, no new attach record,
/// the host lock free. CI kills at up to <see cref="DefaultPoints"/> phases of each after its preliminary ones (lock
/// and record reads: nothing has changed yet); NVMENATIVE_CRASH_POINTS=N kills at N, and 0 at every phase.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed partial class CrashKernelTests
{
    private const int Seed = 15;
    private const int DefaultPoints = 3;

    // The phases an operation opens with before it changes anything: a kill there is the trivial case, which CI skips
    // (its budget is a minute per kernel, and each kill costs a process start); the soak kills there too.
    private static readonly HashSet<string> Preliminary = new(StringComparer.Ordinal)
    {
        NvmeNative.Diagnostics.Telemetry.Activities.Attach, NvmeNative.Diagnostics.Telemetry.Activities.Detach,
        NvmeNative.Diagnostics.Telemetry.Activities.LockWait, NvmeNative.Diagnostics.Telemetry.Activities.NameResolution,
        NvmeNative.Diagnostics.Telemetry.Activities.RecordRead,
    };

    private static readonly int Points = int.TryParse(Environment.GetEnvironmentVariable("NVMENATIVE_CRASH_POINTS"), out int p) && p >= 0 ? p : DefaultPoints;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => $"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? Environment.OSVersion.Version.ToString()}]";

    [GeneratedRegex(@"^nvmenative: debug: phase (\S+) started$")]
    private static partial Regex PhaseStarted();

    /// <summary>A volume under test: its properties, how to check an attach returned it, and how to check nothing of it is left.</summary>
    private sealed record CrashVolume(string Name, string Json, Action<AttachedVolume> Verify, Action AssertGone)
    {
        internal ConnectionProperties Properties { get; } = ConnectionProperties.Parse(Json);
    }

    [Fact]
    public async Task A_single_volumes_attach_and_detach_killed_at_their_phases_are_recovered_by_the_next_attach_and_detach()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var state = new TestStateDirectory();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var export = target.CreateFileExport(16 << 20, new NamespaceOptions { Uuid = uuid }, label: "crash");
        byte[] signature = Signature(uuid.ToString());
        using (var backing = new FileStream(export.Namespace.DevicePath, FileMode.Open, FileAccess.Write))
            backing.Write(signature);
        var nqn = Nqn.Parse(export.Subsystem.Nqn);
        var volume = new CrashVolume("single",
            $$"""{"target_nqn": "{{nqn}}", "vol_uuid": "{{uuid}}", "portals": [["{{export.Port.TrAddr}}", {{export.Port.TrSvcId}}, "tcp"]]}""",
            attached =>
            {
                Assert.Equal(uuid.ToString(), File.ReadAllText($"/sys/block/{Path.GetFileName(attached.Path)}/uuid").Trim());
                Assert.Equal(signature, MdLab.ReadDevice(attached.Path, 0, signature.Length));
            },
            () => Assert.Empty(new NvmeTopology().ControllersOf(nqn)));
        await KillAtPhases(volume, state);
    }

    [Fact]
    public async Task A_replicated_volumes_attach_and_detach_killed_at_their_phases_are_recovered_by_the_next_attach_and_detach()
    {
        using var state = new TestStateDirectory();
        using var replicas = new ReplicaSetTestVolume("crash", 2);
        var arraysBefore = HostLeftovers.ArraysOverNvme();
        var connector = Connector(state);

        // The first attach creates the array: killed as it writes the superblocks, the next attach must still bring it up.
        string? killedAt = await KillAt("attach", replicas.PropertiesJson, state, (_, phase) => phase == NvmeNative.Diagnostics.Telemetry.Activities.SuperblockWrite);
        Assert.Equal(NvmeNative.Diagnostics.Telemetry.Activities.SuperblockWrite, killedAt);
        var created = connector.Connect(replicas.Properties, Ct);
        Assert.Equal(replicas.Link, created.Path);
        Console.Error.WriteLine($"{Kernel} replicated: attach killed creating the array, the next attach {created.Replication!.Action} it (left out: {created.Replication.Start?.LeftOut.Count ?? 0})");
        MdUuid arrayUuid = created.Replication.Array!.Uuid;
        byte[] signature = Signature(replicas.Alias);
        MdLab.WriteDevice(created.Path, 0, signature);
        connector.Disconnect(replicas.Properties, cancellationToken: Ct);

        var volume = new CrashVolume("replicated", replicas.PropertiesJson,
            attached =>
            {
                Assert.Equal(replicas.Link, attached.Path);
                Assert.Equal(arrayUuid, attached.Replication!.Array!.Uuid);
                Assert.Equal(signature, MdLab.ReadDevice(attached.Path, 0, signature.Length));
            },
            () =>
            {
                replicas.AssertGone();
                Assert.Empty(HostLeftovers.ArraysOverNvme().Except(arraysBefore));
                HostLeftovers.AssertNoTraceOfAlias(replicas.Alias);
            });
        volume.AssertGone();
        await KillAtPhases(volume, state);
    }

    /// <summary>
    /// The kill cycles: a reference attach and detach in this process give the phases; then for each sampled point an
    /// attach process killed there, recovered, and a detach process killed at its own sampled point, recovered.
    /// </summary>
    private static async Task KillAtPhases(CrashVolume volume, TestStateDirectory state)
    {
        var connector = Connector(state);
        var recordsBefore = HostLeftovers.Records();
        var (attachPhases, detachPhases) = ReferencePhases(connector, volume);
        var attachPoints = Sample(attachPhases, Seed);
        var detachPoints = Sample(detachPhases, Seed + 1);
        var clock = Stopwatch.StartNew();
        var killed = new List<string>();
        for (int i = 0; i < Math.Max(attachPoints.Count, detachPoints.Count); i++)
        {
            int a = attachPoints[i % attachPoints.Count], d = detachPoints[i % detachPoints.Count];
            string? at = await KillAt("attach", volume.Json, state, (n, _) => n == a);
            killed.Add($"attach@{a}:{at ?? "(finished first)"}");
            if (i % 2 == 1)
            {
                // The next operation is a detach: it must clean what the killed attach left.
                connector.Disconnect(volume.Properties, cancellationToken: Ct);
                AssertNothingLeft(volume, recordsBefore, $"a detach after the attach killed at phase {a} ({at})");
            }
            var attached = connector.Connect(volume.Properties, Ct);
            volume.Verify(attached);

            at = await KillAt("detach", volume.Json, state, (n, _) => n == d);
            killed.Add($"detach@{d}:{at ?? "(finished first)"}");
            connector.Disconnect(volume.Properties, cancellationToken: Ct);
            AssertNothingLeft(volume, recordsBefore, $"a detach after the detach killed at phase {d} ({at})");
        }
        Console.Error.WriteLine($"{Kernel} {volume.Name}: {killed.Count} processes killed (attach: {attachPoints.Count} of {attachPhases.Count} phases, " +
            $"detach: {detachPoints.Count} of {detachPhases.Count}) and recovered in {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", killed)}; " +
            $"attach phases: {string.Join(" ", attachPhases)}; detach phases: {string.Join(" ", detachPhases)}");
    }

    private static void AssertNothingLeft(CrashVolume volume, HashSet<string> recordsBefore, string after)
    {
        try
        {
            volume.AssertGone();
            Assert.Empty(HostLeftovers.Records().Except(recordsBefore));
            HostLeftovers.AssertLockFree();
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"left behind by {after}: {e.Message}");
        }
    }

    /// <summary>The phases (activity names, in the order they start) of an attach and a detach of the volume, from a run in this process.</summary>
    private static (List<string> Attach, List<string> Detach) ReferencePhases(NvmeOfConnector connector, CrashVolume volume)
    {
        List<string> attach, detach;
        using (var capture = new TelemetryCapture())
        {
            volume.Verify(connector.Connect(volume.Properties, Ct));
            attach = capture.Activities.Select(a => a.OperationName).ToList();
        }
        using (var capture = new TelemetryCapture())
        {
            connector.Disconnect(volume.Properties, cancellationToken: Ct);
            detach = capture.Activities.Select(a => a.OperationName).ToList();
        }
        volume.AssertGone();
        Assert.NotEmpty(attach);
        Assert.NotEmpty(detach);
        return (attach, detach);
    }

    /// <summary>
    /// Up to <see cref="Points"/> distinct phase numbers (1-based) among <paramref name="phases"/> after the preliminary
    /// ones, the same for a seed; 0 gives every phase, preliminary ones included.
    /// </summary>
    private static List<int> Sample(List<string> phases, int seed)
    {
        if (Points == 0)
            return Enumerable.Range(1, phases.Count).ToList();
        int first = phases.FindIndex(phase => !Preliminary.Contains(phase));
        var candidates = Enumerable.Range(first < 0 ? 1 : first + 1, first < 0 ? phases.Count : phases.Count - first).ToList();
        if (Points >= candidates.Count)
            return candidates;
        var random = new Random(seed);
        return candidates.OrderBy(_ => random.Next()).Take(Points).Order().ToList();
    }

    /// <summary>
    /// Runs <c>nvmenative -vv VERB -</c> and kills it (SIGKILL) as the phase for which <paramref name="killHere"/>
    /// (its 1-based number, its name) is true starts; returns that phase, or null when the process finished first.
    /// </summary>
    private static async Task<string?> KillAt(string verb, string json, TestStateDirectory state, Func<int, string, bool> killHere)
    {
        using var process = CliProcess.Start(json, "-vv", verb, "-", "--state-store", "file:" + state.Path);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(Ct);
            var seen = new StringBuilder();
            int number = 0;
            string? killedAt = null;
            while (await process.StandardError.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(120), Ct) is { } line)
            {
                seen.AppendLine(line);
                if (PhaseStarted().Match(line) is { Success: true } m && killHere(++number, m.Groups[1].Value))
                {
                    process.Kill();
                    killedAt = m.Groups[1].Value;
                    break;
                }
            }
            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            await output;
            if (killedAt is null)
                Assert.True(process.ExitCode == 0, $"{verb} exited {process.ExitCode.ToString(CultureInfo.InvariantCulture)} before it was killed: {seen}");
            else
                Assert.Equal(137, process.ExitCode); // 128 + SIGKILL: killed, not ended on its own
            return killedAt;
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    private static NvmeOfConnector Connector(TestStateDirectory state) => new(new NvmeOfConnectorOptions { ReplicaStateStore = state.Store });

    private static byte[] Signature(string identity)
    {
        var signature = new byte[4096];
        Encoding.ASCII.GetBytes($"nvmenative crash volume {identity}").CopyTo(signature, 0);
        return signature;
    }
}
