using System.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// The real netlink socket on this machine's kernel (listening needs no privilege). Whether the kernel
/// sends the events we wait for is proven by the kernel tests in the lab.
/// </summary>
public sealed class UeventListenerTests
{
    [Fact]
    public void A_quiet_socket_times_out_after_the_timeout()
    {
        using var listener = UeventListener.Open();
        var sw = Stopwatch.StartNew();
        // Another process may make the kernel emit an event meanwhile; then we see it instead.
        var receipt = listener.Receive(TimeSpan.FromMilliseconds(150), CancellationToken.None);
        if (receipt.Kind == UeventReceiptKind.TimedOut)
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(140), $"returned early, after {sw.Elapsed}");
        else
            Assert.NotNull(receipt.Message);
    }

    [Fact]
    public void A_zero_timeout_does_not_block()
    {
        using var listener = UeventListener.Open();
        var sw = Stopwatch.StartNew();
        listener.Receive(TimeSpan.Zero, CancellationToken.None);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Cancellation_wakes_a_blocked_receive_through_the_eventfd()
    {
        using var listener = UeventListener.Open();
        using var cts = new CancellationTokenSource();
        cts.CancelAfter(TimeSpan.FromMilliseconds(100)); // most likely fires while Receive is blocked in poll()
        var sw = Stopwatch.StartNew();
        var receive = Task.Run(() =>
        {
            // Loop: an unrelated kernel event would end one receive early.
            while (true)
                listener.Receive(TimeSpan.FromSeconds(60), cts.Token);
        }, TestContext.Current.CancellationToken);
        var e = Assert.ThrowsAny<OperationCanceledException>(() => receive.GetAwaiter().GetResult());
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
    }
}
