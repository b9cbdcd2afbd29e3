using System.Diagnostics;
using System.Globalization;
using NvmeNative.Connector;
using NvmeNative.Diagnostics;
using NvmeNative.KernelTests.Target;
using NvmeNative.TestSupport;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// The asynchronous API against the real kernel, with its telemetry: a new replicated volume attached with
/// <see cref="NvmeOfConnector.ConnectAsync"/> reports one span per phase (nested, none overlapping) and its
/// measurements; cancelled at each of its phases (the cancellation fires as the phase's span starts, which is what a
/// caller cancelling at that moment does), it throws <see cref="OperationCanceledException"/> and leaves nothing: no
/// controller, no md array, no /dev/md link, no attach record, no replica-state record; and the volume attaches
/// afterwards as if nothing had happened.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class AsyncAttachKernelTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string AttachRecords = "/run/nvmenative/attached";

    private static string[] Records() =>
        Directory.Exists(AttachRecords) ? [.. Directory.EnumerateFileSystemEntries(AttachRecords).Order(StringComparer.Ordinal)] : [];

    [Fact]
    public async Task A_replicated_attach_reports_each_phase_as_a_span_and_its_duration_and_its_detach_too()
    {
        using var volume = new ReplicatedTestVolume("otel");
        using var state = new TestStateDirectory();
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { ReplicaStateStore = state.Store });
        using var capture = new TelemetryCapture();

        var attached = await connector.ConnectAsync(volume.Properties, Ct);
        await connector.DisconnectAsync(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();

        var attach = Assert.Single(capture.Named(Telemetry.Activities.Attach));
        Assert.Equal(true, attach.GetTagItem(Telemetry.Tags.Replicated));
        Assert.Equal(volume.Alias, attach.GetTagItem(Telemetry.Tags.Alias));
        Assert.Equal("created", attach.GetTagItem(Telemetry.Tags.MdAction));
        string md = Assert.IsType<string>(attach.GetTagItem(Telemetry.Tags.MdDevice));
        Assert.Equal(attached.Path, attach.GetTagItem(Telemetry.Tags.Device));
        var phases = capture.ChildrenOf(attach);
        Assert.Equal(
            [
                Telemetry.Activities.Plan, Telemetry.Activities.LockWait, Telemetry.Activities.RecordRead, Telemetry.Activities.Replica,
                Telemetry.Activities.Replica, Telemetry.Activities.StartRule, Telemetry.Activities.BlankCheck, Telemetry.Activities.SuperblockWrite,
                Telemetry.Activities.MdIoctl, Telemetry.Activities.MdIoctl, Telemetry.Activities.MdPublish, Telemetry.Activities.RecordWrite,
            ],
            phases.Select(p => p.OperationName));
        Assert.Equal(["configure", "run"], phases.Where(p => p.OperationName == Telemetry.Activities.MdIoctl)
            .Select(p => (string?)p.GetTagItem(Telemetry.Tags.MdIoctls)));
        Assert.All(phases.Where(p => p.OperationName.StartsWith("nvmenative.md.", StringComparison.Ordinal)
                && p.OperationName != Telemetry.Activities.SuperblockRead && p.OperationName != Telemetry.Activities.BlankCheck),
            p => Assert.Equal(md, p.GetTagItem(Telemetry.Tags.MdDevice)));
        var replicas = phases.Where(p => p.OperationName == Telemetry.Activities.Replica).ToList();
        for (int i = 0; i < replicas.Count; i++)
        {
            Assert.Equal(i, replicas[i].GetTagItem(Telemetry.Tags.Replica));
            Assert.Equal(volume.Exports[i].Subsystem.Nqn, replicas[i].GetTagItem(Telemetry.Tags.Nqn));
            var steps = capture.ChildrenOf(replicas[i]);
            Assert.Equal([Telemetry.Activities.FabricsConnect, Telemetry.Activities.NamespaceWait], steps.Select(s => s.OperationName));
            Assert.Equal($"tcp://{volume.Exports[i].Port.TrAddr}:{volume.Exports[i].Port.TrSvcId}", steps[0].GetTagItem(Telemetry.Tags.Portal));
            Assert.Matches("^nvme[0-9]+$", Assert.IsType<string>(steps[0].GetTagItem(Telemetry.Tags.Controller)));
        }

        // The start rule reads the superblocks it decides from.
        var startRule = Assert.Single(phases, p => p.OperationName == Telemetry.Activities.StartRule);
        Assert.Equal([Telemetry.Activities.SuperblockRead], capture.ChildrenOf(startRule).Select(s => s.OperationName));

        var detach = Assert.Single(capture.Named(Telemetry.Activities.Detach));
        var detachPhases = capture.ChildrenOf(detach).Select(p => p.OperationName).ToList();
        Assert.Equal(Telemetry.Activities.LockWait, detachPhases[0]);
        Assert.Contains(Telemetry.Activities.Flush, detachPhases);
        Assert.Contains(capture.ChildrenOf(detach), p => p.OperationName == Telemetry.Activities.MdIoctl && (string?)p.GetTagItem(Telemetry.Tags.MdIoctls) == "stop");
        // Once the array stopped, the replicas are detached side by side: one replica span each (they may overlap),
        // each deleting its own controller.
        var detachedReplicas = capture.ChildrenOf(detach).Where(p => p.OperationName == Telemetry.Activities.Replica)
            .OrderBy(p => (int)p.GetTagItem(Telemetry.Tags.Replica)!).ToList();
        Assert.Equal([0, 1], detachedReplicas.Select(p => (int)p.GetTagItem(Telemetry.Tags.Replica)!));
        for (int i = 0; i < detachedReplicas.Count; i++)
        {
            Assert.Equal(volume.Exports[i].Subsystem.Nqn, detachedReplicas[i].GetTagItem(Telemetry.Tags.Nqn));
            Assert.Equal([Telemetry.Activities.ControllerDelete], capture.ChildrenOf(detachedReplicas[i]).Select(s => s.OperationName));
        }
        Assert.True(detachPhases.IndexOf(Telemetry.Activities.Replica) > detachPhases.IndexOf(Telemetry.Activities.MdIoctl),
            "the replicas are detached after the array stopped");
        capture.AssertPhasesNest();

        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.AttachDuration && m.Value > 0
            && m.Tags.Contains(new(Telemetry.Tags.Replicated, true)) && m.Tags.Contains(new(Telemetry.Tags.Outcome, "success")));
        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.DetachDuration && m.Value > 0
            && m.Tags.Contains(new(Telemetry.Tags.Outcome, "success")));
        Assert.DoesNotContain(capture.Measurements, m => m.Instrument is Telemetry.Instruments.Rollbacks or Telemetry.Instruments.ReplicaFailures);

        // The phase breakdown issue 14's benchmarks build on: the phases cover the attach, the rest is the library's own work.
        foreach (var operation in new[] { attach, detach })
        {
            var children = capture.ChildrenOf(operation);
            double covered = children.Sum(c => c.Duration.TotalMilliseconds);
            output.WriteLine($"{operation.OperationName} {operation.Duration.TotalMilliseconds:F1} ms, phases {covered:F1} ms: " +
                string.Join(", ", children.Select(c => $"{c.OperationName}{Group(c)} {c.Duration.TotalMilliseconds:F1}")));
        }
    }

    private static string Group(Activity a) => a.GetTagItem(Telemetry.Tags.MdIoctls) is string g ? $"({g})" : "";

    /// <summary>Where a replicated attach of a new volume is cancelled: a span's name and which occurrence of it.</summary>
    public static TheoryData<string, int> CancelPoints() => new()
    {
        { Telemetry.Activities.LockWait, 1 },
        { Telemetry.Activities.RecordRead, 1 },
        { Telemetry.Activities.Replica, 1 },
        { Telemetry.Activities.FabricsConnect, 1 },
        { Telemetry.Activities.NamespaceWait, 1 },
        { Telemetry.Activities.Replica, 2 },
        { Telemetry.Activities.FabricsConnect, 2 },
        { Telemetry.Activities.NamespaceWait, 2 },
        { Telemetry.Activities.SuperblockRead, 1 },
        { Telemetry.Activities.BlankCheck, 1 },
        { Telemetry.Activities.SuperblockWrite, 1 },
        { Telemetry.Activities.MdIoctl, 1 },
        { Telemetry.Activities.MdIoctl, 2 },
        { Telemetry.Activities.MdPublish, 1 },
        { Telemetry.Activities.RecordWrite, 1 },
    };

    [Theory]
    [MemberData(nameof(CancelPoints))]
    public async Task A_replicated_attach_cancelled_at_a_phase_rolls_back_everything_it_did(string phase, int occurrence)
    {
        using var volume = new ReplicatedTestVolume("cancel");
        using var state = new TestStateDirectory();
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { ReplicaStateStore = state.Store });
        var recordsBefore = Records();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        int seen = 0;
        using var capture = new TelemetryCapture(onStart: a =>
        {
            if (a.OperationName == phase && ++seen == occurrence)
                cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connector.ConnectAsync(volume.Properties, cts.Token));

        Assert.Equal(occurrence, seen);
        volume.AssertGone();
        Assert.Equal(recordsBefore, Records());
        Assert.Empty(Directory.Exists(state.Path) ? Directory.EnumerateFiles(state.Path, "*.json") : []);
        var attach = Assert.Single(capture.Named(Telemetry.Activities.Attach));
        Assert.Equal("cancelled", attach.GetTagItem(Telemetry.Tags.ErrorType));
        // A rollback ran exactly when a controller had been created (a replica's own, and the volume's for the earlier replicas).
        bool changedSomething = capture.Named(Telemetry.Activities.FabricsConnect).Any(c => c.GetTagItem(Telemetry.Tags.Controller) is not null);
        Assert.Equal(changedSomething, capture.Named(Telemetry.Activities.Rollback).Count > 0);
        output.WriteLine($"cancelled at {phase} #{occurrence.ToString(CultureInfo.InvariantCulture)}: undid " +
            string.Join(", ", capture.Activities.Where(a => a.OperationName is Telemetry.Activities.ControllerDelete or Telemetry.Activities.MdIoctl
                && a.StartTimeUtc >= attach.StartTimeUtc && a.Parent?.OperationName == Telemetry.Activities.Rollback).Select(a => a.OperationName + Group(a))));

        // Nothing half-done is left in the way: the same volume attaches and detaches normally.
        var attached = await connector.ConnectAsync(volume.Properties, Ct);
        Assert.Equal(volume.Link, attached.Path);
        await connector.DisconnectAsync(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
    }

    [Fact]
    public async Task A_ConnectAsync_queued_behind_the_host_lock_holds_no_thread_and_cancelling_it_changes_nothing()
    {
        using var volume = new ReplicatedTestVolume("queued");
        var connector = new NvmeOfConnector();
        var recordsBefore = Records();
        // Another attach holds the host lock (the in-process gate and the lock file).
        using var held = await new NvmeOfConnectorGate().HoldAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var queued = Enumerable.Range(0, 8).Select(_ => connector.ConnectAsync(volume.Properties, cts.Token)).ToList();
        await Task.Delay(200, Ct);
        Assert.All(queued, q => Assert.False(q.IsCompleted));
        await cts.CancelAsync();

        foreach (var q in queued)
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => q.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        volume.AssertGone();
        Assert.Equal(recordsBefore, Records());
    }

    /// <summary>Holds the connector's default host lock, as a running attach would.</summary>
    private sealed class NvmeOfConnectorGate
    {
        internal async Task<IDisposable> HoldAsync() =>
            await HostLock.AcquireAsync(new NvmeOfConnectorOptions().LockFilePath, TimeSpan.FromSeconds(10), async: true, Ct);
    }
}
