using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Operations;

/// <summary>Waits over a fake tree: a met condition returns at once, an unmet one times out naming the last state.</summary>
public sealed class MdWaiterTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private void Recovering()
    {
        _tree.Md("md127", ("array_state", "clean"), ("level", "raid1"), ("raid_disks", "2"), ("degraded", "1"),
            ("sync_action", "recover"), ("sync_completed", "10 / 20"));
        _tree.Member("md127", "loop0", "7:0", "in_sync", "0");
        _tree.Member("md127", "loop1", "7:1", "spare", "none");
    }

    [Fact]
    public void A_condition_that_holds_returns_at_once()
    {
        Recovering();
        var state = new MdArrays(_tree.Paths).WaitFor(MdDeviceName.Parse("md127"), s => s.Degraded == 1, "degraded", TimeSpan.FromSeconds(5),
            TestContext.Current.CancellationToken);
        Assert.Equal(MdSyncAction.Recover, state.SyncAction);
    }

    [Fact]
    public void An_unmet_condition_times_out_with_what_it_waited_for_and_saw()
    {
        Recovering();
        var e = Assert.Throws<NvmeNativeTimeoutException>(() =>
            new MdArrays(_tree.Paths).WaitForInSync(MdDeviceName.Parse("md127"), TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));
        Assert.Contains("in sync", e.Message);
        Assert.Contains("sync_action=recover", e.Message);
        Assert.Contains("loop1[spare]", e.Message);
        Assert.Contains("in sync", e.WaitingFor);
        Assert.Equal(TimeSpan.FromMilliseconds(300), e.Timeout);
        Assert.Equal(Path.Combine(_tree.Paths.Dev, "md127"), e.Path);
    }

    [Fact]
    public void Waiting_on_a_missing_array_fails_with_ENODEV() =>
        Assert.Equal(NvmeNative.Errors.Errno.ENODEV, Assert.Throws<MdException>(() =>
            new MdArrays(_tree.Paths).WaitForInSync(MdDeviceName.Parse("md9"), TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)).Errno);

    [Fact]
    public void Members_are_resolved_by_kernel_name_when_the_node_is_gone()
    {
        Recovering();
        var member = MdMembers.Resolve(_tree.MdPaths, MdDeviceName.Parse("md127"), "/gone/loop1", "test");
        Assert.Equal((7u, 1u), (member.Major, member.Minor));
        var e = Assert.Throws<InvalidInputException>(() => MdMembers.Resolve(_tree.MdPaths, MdDeviceName.Parse("md127"), "nvme9n1", "test"));
        Assert.Equal("nvme9n1", e.Path);
    }
}
