using NvmeNative.Monitoring;
using NvmeNative.Tests.ReplicaStateTests;

namespace NvmeNative.Tests.Monitoring;

/// <summary>The hook runs off the monitor's path: failures are retried (bounded) and logged, a stuck hook never blocks a post.</summary>
public sealed class NotificationDispatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static ReplicaEvent Event(int n) =>
        new(ReplicaEventKind.MemberFaulty, ReplicaFixtures.T0.AddSeconds(n), "vol1", null, "md127", null, null, [$"e{n}"]);

    [Fact]
    public async Task A_failing_hook_is_retried_until_it_succeeds_and_each_failure_is_reported()
    {
        int calls = 0;
        var delivered = new TaskCompletionSource<ReplicaEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new List<int>();
        await using var dispatcher = new NotificationDispatcher((e, _) =>
        {
            if (++calls < 3)
                throw new InvalidOperationException("backend down");
            delivered.SetResult(e);
            return Task.CompletedTask;
        }, capacity: 8, maxAttempts: 5, TimeSpan.FromMilliseconds(1), (_, attempt, error) => { lock (failures) failures.Add(attempt); });

        dispatcher.Post(Event(1));

        Assert.Equal(["e1"], (await delivered.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Devices);
        Assert.Equal(3, calls);
        Assert.Equal([1, 2], failures);
    }

    [Fact]
    public async Task A_hook_that_keeps_failing_is_given_up_after_the_bound_and_the_next_event_still_goes_out()
    {
        var seen = new List<string>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var dispatcher = new NotificationDispatcher((e, _) =>
        {
            lock (seen)
                seen.Add(e.Devices[0]);
            if (e.Devices[0] == "e2")
            {
                second.SetResult();
                return Task.CompletedTask;
            }
            throw new IOException("no");
        }, capacity: 8, maxAttempts: 3, TimeSpan.FromMilliseconds(1), (_, _, _) => { });

        dispatcher.Post(Event(1));
        dispatcher.Post(Event(2));

        await second.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(["e1", "e1", "e1", "e2"], seen);
    }

    [Fact]
    public async Task A_stuck_hook_never_blocks_posting_the_oldest_waiting_event_is_dropped_and_reported()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dropped = new List<string>();
        var dispatcher = new NotificationDispatcher(async (e, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
        }, capacity: 2, maxAttempts: 1, TimeSpan.Zero, (e, attempt, error) =>
        {
            if (error is null)
                lock (dropped) dropped.Add(e.Devices[0]);
        });
        dispatcher.Post(Event(0));
        await started.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        for (int i = 1; i <= 5; i++)
            dispatcher.Post(Event(i)); // returns at once although the hook is stuck

        Assert.Equal(["e1", "e2", "e3"], dropped);
        // Stopping cancels the stuck call: the stop ends within its drain bound.
        await dispatcher.StopAsync(TimeSpan.FromMilliseconds(50)).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        await dispatcher.DisposeAsync();
    }
}
