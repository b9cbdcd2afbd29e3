using NvmeNative.Monitoring;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// Before Linux 5.18 nothing announces a controller's reconnect, so the monitor looks again at a reconnecting controller
/// on its own schedule: 1 s after it is first seen so, then at doubling intervals up to 32 s; never on a kernel that
/// announces reconnects, never for live or deleted controllers, and from the beginning again after it was live.
/// </summary>
public sealed class UnannouncedReconnectsTests
{
    private readonly List<TimeSpan> _wakes = [];
    private long _now = 1_000_000;

    private UnannouncedReconnects Watcher(bool announced) => new(announced, () => _now, _wakes.Add);

    private static ControllerView Controller(string name, ControllerState state) => new(name, "nqn.2014-08.org.example:replica", state);

    /// <summary>One look <paramref name="afterSeconds"/> after the last; the wake-up it asked for, if any.</summary>
    private TimeSpan? LookAfter(UnannouncedReconnects watcher, double afterSeconds, params ControllerView[] controllers)
    {
        _now += (long)(afterSeconds * 1000);
        _wakes.Clear();
        watcher.Watch(controllers);
        return _wakes.Count == 0 ? null : Assert.Single(_wakes);
    }

    [Theory]
    [InlineData(ControllerState.Connecting)]
    [InlineData(ControllerState.Resetting)]
    public void A_reconnecting_controller_is_looked_at_again_at_doubling_intervals_up_to_32_s(ControllerState state)
    {
        var watcher = Watcher(announced: false);
        var reconnecting = Controller("nvme2", state);

        Assert.Equal(TimeSpan.FromSeconds(1), LookAfter(watcher, 0, reconnecting));
        Assert.Equal(TimeSpan.FromSeconds(0.5), LookAfter(watcher, 0.5, reconnecting)); // woken early by something else: same time
        Assert.Equal(TimeSpan.FromSeconds(2), LookAfter(watcher, 0.5, reconnecting)); // the look due: the next 2 s later
        double previous = 2;
        foreach (int seconds in (int[])[4, 8, 16, 32, 32, 32])
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), LookAfter(watcher, previous, reconnecting));
            previous = seconds;
        }
        Assert.Equal(UnannouncedReconnects.MaxDelay, TimeSpan.FromSeconds(32));
    }

    [Fact]
    public void A_controller_live_again_is_forgotten_and_a_later_loss_starts_from_the_first_delay()
    {
        var watcher = Watcher(announced: false);
        Assert.Equal(TimeSpan.FromSeconds(1), LookAfter(watcher, 0, Controller("nvme2", ControllerState.Connecting)));
        Assert.Equal(TimeSpan.FromSeconds(2), LookAfter(watcher, 1, Controller("nvme2", ControllerState.Connecting)));
        Assert.Null(LookAfter(watcher, 2, Controller("nvme2", ControllerState.Live)));
        Assert.Equal(TimeSpan.FromSeconds(1), LookAfter(watcher, 60, Controller("nvme2", ControllerState.Resetting)));
    }

    [Fact]
    public void The_soonest_of_several_reconnecting_controllers_is_asked_for()
    {
        var watcher = Watcher(announced: false);
        LookAfter(watcher, 0, Controller("nvme2", ControllerState.Connecting));
        LookAfter(watcher, 1, Controller("nvme2", ControllerState.Connecting)); // nvme2's next: 2 s from now
        Assert.Equal(TimeSpan.FromSeconds(1),
            LookAfter(watcher, 0, Controller("nvme2", ControllerState.Connecting), Controller("nvme3", ControllerState.Connecting)));
    }

    [Theory]
    [InlineData(ControllerState.Live)]
    [InlineData(ControllerState.New)]
    [InlineData(ControllerState.Deleting)]
    [InlineData(ControllerState.DeletingNoIo)]
    [InlineData(ControllerState.Dead)]
    public void Controllers_not_reconnecting_ask_for_nothing(ControllerState state) =>
        Assert.Null(LookAfter(Watcher(announced: false), 0, Controller("nvme2", state)));

    [Fact]
    public void A_kernel_that_announces_reconnects_is_left_to_its_uevents() =>
        Assert.Null(LookAfter(Watcher(announced: true), 0, Controller("nvme2", ControllerState.Connecting)));
}
