using NvmeNative.Kernel;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.Tests.Kernel;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// The running monitor: woken by uevents (the fake source) rather than by a timer, events reach readers, subscribers and
/// the hook; stopping joins its threads, closes its descriptors and ends its readers.
/// Not run in parallel with other tests: one test counts the process's descriptors.
/// </summary>
[Collection(nameof(ReplicaMonitorLifecycleTests))]
public sealed class ReplicaMonitorLifecycleTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly FakeReplicatedHost _host = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public void Dispose() => _host.Dispose();

    /// <summary>
    /// The process's open descriptors, after the finalizers of handles that earlier tests dropped have run: those close
    /// descriptors at any moment, and once made a full run's count fall by 14 between this test's two looks.
    /// </summary>
    private static int OpenDescriptors()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return Directory.GetFiles("/proc/self/fd").Length;
    }

    private int DescriptorsIntoTheFakeTree() => Directory.GetFiles("/proc/self/fd")
        .Count(fd => new FileInfo(fd).LinkTarget is { } target && target.StartsWith(_host.Sysfs.Root, StringComparison.Ordinal));

    [Fact]
    public async Task A_uevent_wakes_the_monitor_and_the_event_reaches_reader_subscriber_and_hook_after_the_record()
    {
        var hooked = new TaskCompletionSource<(ReplicaEvent Event, ReplicaCondition Recorded)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = _host.Options() with
        {
            Hook = (e, _) =>
            {
                if (e.Kind == ReplicaEventKind.MemberFaulty)
                    hooked.TrySetResult((e, _host.Record.EntryOf(FakeReplicatedHost.Id(1))!.State));
                return Task.CompletedTask;
            },
        };
        var gate = new ManualResetEventSlim();
        var source = new FakeUeventSource().Then(UeventReceipt.TimedOut, () => gate.Wait(_ct))
            .ThenEvent("change", "/devices/virtual/block/md127", "block", () => _host.MemberState(1, "faulty"));
        await using var monitor = _host.Monitor(events: () => source, options: options);
        var subscribed = new List<ReplicaEvent>();
        using var subscription = monitor.Subscribe(e => { lock (subscribed) subscribed.Add(e); });
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        reading.CancelAfter(Deadline);
        var reader = monitor.ReadEventsAsync(cancellationToken: reading.Token).GetAsyncEnumerator(reading.Token);
        var first = reader.MoveNextAsync().AsTask();

        monitor.Start();
        gate.Set();

        Assert.True(await first);
        Assert.Equal(ReplicaEventKind.MemberFaulty, reader.Current.Kind);
        var (hookEvent, recorded) = await hooked.Task.WaitAsync(Deadline, _ct);
        Assert.Equal("vol1", hookEvent.VolumeAlias);
        Assert.Equal(ReplicaCondition.Failed, recorded);
        lock (subscribed)
            Assert.Contains(subscribed, e => e.Kind == ReplicaEventKind.MemberFaulty);

        await monitor.StopAsync();
        Assert.False(await reader.MoveNextAsync()); // the reader ends with the monitor
        Assert.True(source.Disposed);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Starting_and_stopping_leaks_no_descriptor_and_no_thread()
    {
        await using (var warm = _host.Monitor())
        {
            warm.Start();
            await warm.StopAsync();
        }
        int descriptors = OpenDescriptors();
        var threadsBefore = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        for (int i = 0; i < 5; i++)
        {
            await using var monitor = _host.Monitor();
            monitor.Start();
            Assert.True(monitor.IsRunning);
            await monitor.StopAsync();
            Assert.Equal(0, DescriptorsIntoTheFakeTree());
            Assert.False(monitor.IsRunning);
        }
        // A leak would add the monitor's descriptors at every start; fewer than before is another test's handle closing.
        int after = OpenDescriptors();
        Assert.True(after <= descriptors, $"{after} descriptors open after 5 starts and stops, {descriptors} before");
        // Its three threads are joined by the stop; the runtime's pool may vary a little, never by three per start.
        Assert.True(System.Diagnostics.Process.GetCurrentProcess().Threads.Count < threadsBefore + 3);
    }

    [Fact]
    public async Task Starting_twice_is_refused_and_stopping_a_stopped_monitor_does_nothing()
    {
        await using var monitor = _host.Monitor();
        await monitor.StopAsync();
        monitor.Start();
        Assert.Throws<InvalidOperationException>(monitor.Start);
        await monitor.StopAsync();
        await monitor.StopAsync();
        monitor.Start(); // and it can run again
        await monitor.StopAsync();
    }

    [Fact]
    public async Task It_survives_the_array_disappearing_and_a_new_one_appearing_while_it_runs()
    {
        var events = new List<ReplicaEvent>();
        var reappeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopped = new ManualResetEventSlim();
        var source = new FakeUeventSource()
            .ThenEvent("remove", "/devices/virtual/block/md127", "block", _host.StopArray)
            .ThenEvent("add", "/devices/virtual/block/md127", "block", () =>
            {
                // The kernel takes its time too: the new array appears after the monitor saw the old one go.
                stopped.Wait(_ct);
                // As md assembles: the device with its members bound while inactive, then run.
                _host.ArrayAppearsInactive(degraded: 1, 0, 2);
                _host.Array(("array_state", "clean"));
            });
        await using var monitor = _host.Monitor(events: () => source);
        using var subscription = monitor.Subscribe(e =>
        {
            lock (events)
            {
                events.Add(e);
                if (e.Kind == ReplicaEventKind.ArrayStopped)
                    stopped.Set();
                if (e.Kind == ReplicaEventKind.ArrayDegraded)
                    reappeared.TrySetResult();
            }
        });
        monitor.Start();
        await reappeared.Task.WaitAsync(Deadline, _ct);
        await monitor.StopAsync();
        lock (events)
            Assert.Equal([ReplicaEventKind.ArrayStopped, ReplicaEventKind.ArrayDegraded], events.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_throwing_subscriber_is_reported_and_the_others_still_hear_every_event()
    {
        await using var monitor = _host.Monitor();
        var heard = new List<ReplicaEventKind>();
        using var bad = monitor.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var good = monitor.Subscribe(e => heard.Add(e.Kind));
        monitor.ReconcileOnce(_ct);
        _host.MemberState(1, "faulty");
        _host.Array(("degraded", "1"));
        monitor.ReconcileOnce(_ct);
        Assert.Equal([ReplicaEventKind.MemberFaulty, ReplicaEventKind.ArrayDegraded], heard);
    }
}

/// <summary>Runs the lifecycle tests alone, so the descriptor count is the monitor's only.</summary>
[CollectionDefinition(nameof(ReplicaMonitorLifecycleTests), DisableParallelization = true)]
public sealed class ReplicaMonitorLifecycleCollection;
