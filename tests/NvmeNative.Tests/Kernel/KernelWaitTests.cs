using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>The wait pattern: check first, then wake on events, re-check, deadline, cancellation.</summary>
public sealed class KernelWaitTests
{
    private sealed class Box(string value)
    {
        public string Value { get; } = value;
    }

    private const string Dev = "/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1";

    [Fact]
    public void A_state_that_is_already_true_returns_without_waiting_for_any_event()
    {
        var events = new FakeUeventSource();
        var result = KernelWait.Until(events, _ => true, () => new Box("there"), () => "n/a", "x",
            TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("there", result.Value);
        Assert.Equal(0, events.Receives);
    }

    [Fact]
    public void A_relevant_event_triggers_the_check_that_sees_the_new_state()
    {
        bool present = false;
        int checks = 0;
        var events = new FakeUeventSource()
            .ThenEvent("add", "/devices/virtual/net/eth9", "net")                 // irrelevant: no re-check
            .ThenEvent("add", Dev, "block", change: () => present = true);        // the kernel adds the disk, then tells
        var result = KernelWait.Until(events, e => e.Subsystem == "block",
            () => { checks++; return present ? new Box("nvme0n1") : null; },
            () => "n/a", "nvme0n1", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("nvme0n1", result.Value);
        Assert.Equal(2, checks); // the first look, then once after the block event; not after the net event
    }

    [Fact]
    public void An_overflow_forces_a_check_because_the_awaited_event_may_have_been_lost()
    {
        bool present = false;
        var events = new FakeUeventSource().Then(UeventReceipt.Overflow, change: () => present = true);
        var result = KernelWait.Until(events, _ => false, () => present ? new Box("ok") : null,
            () => "n/a", "x", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("ok", result.Value);
    }

    [Fact]
    public void Events_queued_behind_a_relevant_one_share_one_check()
    {
        int checks = 0;
        int n = 0;
        var events = new FakeUeventSource();
        for (int i = 0; i < 10; i++)
            events.ThenEvent("add", Dev + i, "block", change: () => n++);
        KernelWait.Until(events, _ => true, () => { checks++; return n == 10 ? new Box("all") : null; },
            () => "n/a", "x", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(2, checks);
    }

    [Fact]
    public void A_timeout_says_what_was_awaited_and_what_was_seen_last()
    {
        var events = new FakeUeventSource().ThenEvent("add", Dev, "block");
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => KernelWait.Until<Box>(events, _ => true, () => null,
            () => "nvme0 live; no namespaces", "namespace uuid 0a1b through nvme0",
            TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(190), $"gave up early, after {sw.Elapsed}");
        Assert.Equal("namespace uuid 0a1b through nvme0", e.WaitingFor);
        Assert.Equal("nvme0 live; no namespaces", e.LastObserved);
        Assert.Contains("timed out after 0.2 s waiting for namespace uuid 0a1b through nvme0; last seen: nvme0 live; no namespaces", e.Message);
        Assert.IsAssignableFrom<NvmeNativeException>(e);
    }

    [Fact]
    public void The_last_look_at_the_deadline_can_still_succeed()
    {
        int checks = 0;
        var result = KernelWait.Until(new FakeUeventSource(), _ => true,
            () => ++checks == 2 ? new Box("late") : null, () => "n/a", "x", TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.Equal("late", result.Value);
    }

    [Fact]
    public void Cancellation_ends_a_blocked_wait_promptly()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var sw = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => KernelWait.Until<Box>(new FakeUeventSource(), _ => true,
            () => null, () => "n/a", "x", TimeSpan.FromSeconds(30), cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_cancelled_token_fails_before_anything_is_checked()
    {
        int checks = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => KernelWait.Until<Box>(new FakeUeventSource(), _ => true,
            () => { checks++; return null; }, () => "n/a", "x", TimeSpan.FromSeconds(30), new CancellationToken(true)));
        Assert.Equal(0, checks);
    }

    [Fact]
    public void A_check_that_throws_ends_the_wait_with_its_error()
    {
        var events = new FakeUeventSource().ThenEvent("change", "/devices/virtual/nvme-fabrics/ctl/nvme0", "nvme");
        int checks = 0;
        var e = Assert.Throws<NvmeNativeException>(() => KernelWait.Until<Box>(events, _ => true,
            () => ++checks == 1 ? null : throw new NvmeNativeException("controller nvme0 is deleting", "wait"),
            () => "n/a", "x", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Contains("deleting", e.Message);
    }

    [Fact]
    public void A_negative_timeout_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelWait.Until<Box>(new FakeUeventSource(), _ => true,
            () => null, () => "", "x", TimeSpan.FromSeconds(-1), CancellationToken.None));
    }

    [Fact]
    public void An_unannounced_state_is_rechecked_on_a_growing_interval_without_any_event()
    {
        int checks = 0;
        var events = new FakeUeventSource(); // a quiet socket: the kernel sends nothing for this state
        var result = KernelWait.Until(events, _ => false, () => ++checks >= 4 ? new Box("path") : null,
            () => "n/a", "x", TimeSpan.FromSeconds(30), CancellationToken.None, unannounced: TimeSpan.FromMilliseconds(1));
        Assert.Equal("path", result.Value);
        Assert.Equal(4, checks); // the first look, then one per elapsed interval
        Assert.Equal(3, events.Receives);
    }

    [Fact]
    public void Without_an_unannounced_interval_a_quiet_source_never_causes_a_recheck()
    {
        int checks = 0;
        var events = new FakeUeventSource();
        Assert.Throws<NvmeNativeTimeoutException>(() => KernelWait.Until(events, _ => false,
            () => { checks++; return (Box?)null; }, () => "n/a", "x", TimeSpan.FromMilliseconds(30), CancellationToken.None));
        Assert.Equal(2, checks); // the first look and the last look at the deadline
    }
}
