using NvmeNative.Monitoring;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// The pacing of the monitor's repeated attempts (re-adding a device that failed again, rescanning for a namespace):
/// the first at once, then 5 s, doubling to 320 s, per key, from the beginning again once a key is forgotten.
/// </summary>
public sealed class RetryPacingTests
{
    private readonly RetryPacing _pacing = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(320));

    [Fact]
    public void Attempts_are_due_at_once_then_after_doubling_intervals_up_to_the_cap()
    {
        long now = 1_000;
        Assert.True(_pacing.TryTake("nvme2n1", now, out bool first));
        Assert.True(first);
        long[] intervals = [5, 10, 20, 40, 80, 160, 320, 320];
        foreach (long seconds in intervals)
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), _pacing.DueIn("nvme2n1", now));
            Assert.False(_pacing.TryTake("nvme2n1", now + seconds * 1000 - 1, out _), $"due before {seconds} s");
            now += seconds * 1000;
            Assert.True(_pacing.TryTake("nvme2n1", now, out first), $"not due after {seconds} s");
            Assert.False(first);
        }
    }

    [Fact]
    public void Keys_are_paced_apart_and_a_forgotten_key_starts_again()
    {
        Assert.True(_pacing.TryTake("a", 0, out _));
        Assert.True(_pacing.TryTake("a", 5_000, out _)); // next due at 15 s
        Assert.True(_pacing.TryTake("b", 6_000, out bool first)); // next due at 11 s
        Assert.True(first);
        Assert.Equal(TimeSpan.FromSeconds(5), _pacing.NextDueIn(6_000)); // b's, the sooner
        Assert.Equal(TimeSpan.Zero, _pacing.NextDueIn(20_000)); // overdue: at once

        _pacing.ForgetAllBut(new HashSet<string> { "b" });
        Assert.Null(_pacing.DueIn("a", 6_000));
        Assert.True(_pacing.TryTake("a", 7_000, out first));
        Assert.True(first);

        _pacing.Forget("a");
        _pacing.Forget("b");
        Assert.Null(_pacing.NextDueIn(7_000));
    }
}
