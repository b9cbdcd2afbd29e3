using NvmeNative.Connector;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Tests.Diagnostics;
using NvmeNative.TestSupport;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;
using static NvmeNative.Tests.Connector.SimulatedKernel;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// The asynchronous API on a simulated kernel: the same attach, detach and rollback as the synchronous one (it is the
/// same code), a queued call that returns a pending task instead of blocking its caller, and cancellation of each
/// wait with the rollback of what was done; and the spans and measurements they report.
/// </summary>
[Collection(typeof(TelemetryCollection))]
public sealed class ConnectorAsyncTests : IDisposable
{
    private const string Nqn = "nqn.2024-01.com.example:vol";
    private const string Uuid = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";
    private static readonly Namespace Volume = new(1, 1, Uuid);

    private readonly FakeSysfs _sys = new();
    private readonly SimulatedKernel _kernel;

    public ConnectorAsyncTests()
    {
        _kernel = new SimulatedKernel(_sys);
        _sys.MultipathParameter("Y");
        string etc = Path.Combine(_sys.Root, "etc", "nvme");
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "hostnqn"), HostNqn + "\n");
        File.WriteAllText(Path.Combine(etc, "hostid"), HostId + "\n");
    }

    public void Dispose() => _sys.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private NvmeOfConnector Connector(TimeSpan? deviceTimeout = null) => new(
        new NvmeOfConnectorOptions
        {
            Paths = _sys.Paths,
            DeviceTimeout = deviceTimeout ?? TimeSpan.FromMilliseconds(300),
            PathsTimeout = TimeSpan.FromMilliseconds(300),
            ReconnectTimeout = TimeSpan.FromSeconds(2),
        },
        _kernel,
        () => new FakeUeventSource());

    private static ConnectionProperties Props(int portals = 2)
    {
        string list = string.Join(", ", Enumerable.Range(1, portals).Select(i => $"[\"127.0.0.{i}\", 4420, \"tcp\"]"));
        return ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [{{list}}]}""");
    }

    private string LockFile => Path.Combine(_sys.Paths.Run, "lock", "nvmenative", "connect_volume.lock");

    [Fact]
    public async Task ConnectAsync_and_DisconnectAsync_do_what_the_synchronous_calls_do()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);
        var connector = Connector();

        var attached = await connector.ConnectAsync(Props(), Ct);

        Assert.Equal(Path.Combine(_sys.Paths.Dev, "nvme0n1"), attached.Path);
        Assert.Equal(["nvme0", "nvme1"], attached.CreatedControllers);
        Assert.Equal([attached.Path], await connector.GetVolumePathsAsync(Props(), cancellationToken: Ct));
        var detached = await connector.DisconnectAsync(Props(), cancellationToken: Ct);
        Assert.Equal(["nvme0", "nvme1"], detached.DeletedControllers.Order());
    }

    [Fact]
    public async Task A_queued_ConnectAsync_returns_a_pending_task_and_runs_when_the_host_lock_is_free()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);
        var connector = Connector();
        var holder = HostLock.Acquire(LockFile, TimeSpan.Zero, Ct);

        // The in-process gate is held: a synchronous wait would block here; the awaited one returns at once.
        var queued = connector.ConnectAsync(Props(), Ct);
        await Task.Delay(100, Ct);
        Assert.False(queued.IsCompleted);
        Assert.Empty(_kernel.Writes);

        holder.Dispose();
        var attached = await queued.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(["nvme0", "nvme1"], attached.CreatedControllers);
    }

    [Fact]
    public async Task Cancelling_a_queued_ConnectAsync_ends_its_lock_wait_and_changes_nothing()
    {
        var connector = Connector();
        using var holder = HostLock.Acquire(LockFile, TimeSpan.Zero, Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var queued = connector.ConnectAsync(Props(), cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Empty(_kernel.Writes);
    }

    [Fact]
    public async Task Cancelling_ConnectAsync_while_it_waits_for_the_namespace_deletes_the_controllers_it_created()
    {
        _kernel.Connects(0).Connects(0); // the controllers come up, the namespace never does
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var capture = new TelemetryCapture(onStart: a =>
        {
            if (a.OperationName == Telemetry.Activities.NamespaceWait)
                cts.CancelAfter(50); // once it waits
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Connector(TimeSpan.FromSeconds(30)).ConnectAsync(Props(), cts.Token));

        Assert.Equal("1", _kernel.DeleteWrites(0));
        Assert.Equal("1", _kernel.DeleteWrites(1));
        var attach = Assert.Single(capture.Named(Telemetry.Activities.Attach));
        Assert.Equal("cancelled", attach.GetTagItem(Telemetry.Tags.ErrorType));
        Assert.Equal("cancelled", Assert.Single(capture.Named(Telemetry.Activities.NamespaceWait)).GetTagItem(Telemetry.Tags.ErrorType));
        Assert.Equal(2, capture.Named(Telemetry.Activities.ControllerDelete).Count);
        Assert.Single(capture.Named(Telemetry.Activities.Rollback));
        Assert.Equal(1, capture.Sum(Telemetry.Instruments.Rollbacks));
        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.AttachDuration
            && m.Tags.Contains(new(Telemetry.Tags.Outcome, "cancelled")));
    }

    [Fact]
    public async Task An_attach_reports_one_span_per_phase_nested_without_overlap_and_its_duration()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);
        using var capture = new TelemetryCapture();

        var attached = await Connector().ConnectAsync(Props(), Ct);
        Connector().Disconnect(Props(), cancellationToken: Ct);

        var attach = Assert.Single(capture.Named(Telemetry.Activities.Attach));
        Assert.Equal(Nqn, attach.GetTagItem(Telemetry.Tags.Nqn));
        Assert.Equal(attached.Path, attach.GetTagItem(Telemetry.Tags.Device));
        Assert.Equal(false, attach.GetTagItem(Telemetry.Tags.Replicated));
        var phases = capture.ChildrenOf(attach).Select(a => a.OperationName).ToList();
        Assert.Equal([Telemetry.Activities.Plan, Telemetry.Activities.LockWait, Telemetry.Activities.FabricsConnect, Telemetry.Activities.FabricsConnect,
            Telemetry.Activities.NamespaceWait, Telemetry.Activities.PathWait], phases);
        var connects = capture.Named(Telemetry.Activities.FabricsConnect);
        Assert.Equal(["tcp://127.0.0.1:4420", "tcp://127.0.0.2:4420"], connects.Select(c => (string?)c.GetTagItem(Telemetry.Tags.Portal)));
        Assert.Equal(["nvme0", "nvme1"], connects.Select(c => (string?)c.GetTagItem(Telemetry.Tags.Controller)));
        var detach = Assert.Single(capture.Named(Telemetry.Activities.Detach));
        Assert.Equal(2, capture.ChildrenOf(detach).Count(a => a.OperationName == Telemetry.Activities.ControllerDelete));
        capture.AssertPhasesNest();
        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.AttachDuration && m.Value > 0
            && m.Tags.Contains(new(Telemetry.Tags.Outcome, "success")) && m.Tags.Contains(new(Telemetry.Tags.Replicated, false)));
        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.DetachDuration);
        Assert.Equal(0, capture.Sum(Telemetry.Instruments.Rollbacks));
    }

    [Fact]
    public void A_failed_attach_is_counted_and_its_span_carries_the_errno()
    {
        _kernel.Refuses(Errno.ECONNREFUSED).Refuses(Errno.ECONNREFUSED);
        using var capture = new TelemetryCapture();

        Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(), Ct));

        var connects = capture.Named(Telemetry.Activities.FabricsConnect);
        Assert.Equal(2, connects.Count);
        Assert.All(connects, c => Assert.Equal("ECONNREFUSED", c.GetTagItem(Telemetry.Tags.Errno)));
        var attach = Assert.Single(capture.Named(Telemetry.Activities.Attach));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, attach.Status);
        Assert.Contains(capture.Measurements, m => m.Instrument == Telemetry.Instruments.AttachDuration
            && m.Tags.Contains(new(Telemetry.Tags.Outcome, "failure")));
    }
}
