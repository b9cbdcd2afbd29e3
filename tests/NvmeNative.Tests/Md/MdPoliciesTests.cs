using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdPoliciesTests
{
    [Fact]
    public void Sizes_within_one_percent_pass_and_larger_differences_are_refused_with_numbers()
    {
        var policy = MdSizePolicy.Default;
        Assert.Null(policy.Check([("/dev/a", 100L << 20), ("/dev/b", (100L << 20) + (1 << 20))]));
        string? problem = policy.Check([("/dev/a", 100L << 20), ("/dev/b", 110L << 20)]);
        Assert.NotNull(problem);
        Assert.Contains("10 %", problem);
        Assert.Null((policy with { MaxDifferencePercent = 20 }).Check([("/dev/a", 100L << 20), ("/dev/b", 110L << 20)]));
    }

    [Fact]
    public void Members_below_the_minimum_are_refused() =>
        Assert.Contains("/dev/tiny", MdSizePolicy.Default.Check([("/dev/tiny", 1 << 20), ("/dev/b", 1 << 20)]));

    [Fact]
    public void Rollback_runs_newest_first_and_keeps_the_original_error_in_front()
    {
        var journal = new UndoJournal();
        var order = new List<string>();
        journal.Push("first", () => order.Add("first"));
        journal.Push("broken", () => throw new InvalidOperationException("undo failed"));
        journal.Push("last", () => order.Add("last"));
        var original = new MdException("run failed", "ioctl RUN_ARRAY", "/dev/md127");
        var thrown = journal.RollbackAfter(original);
        Assert.Equal(["last", "first"], order);
        var incomplete = Assert.IsType<RollbackIncompleteException>(thrown);
        Assert.Same(original, incomplete.InnerException);
        Assert.Equal(["last", "first"], incomplete.Rollback.Undone);
        Assert.Contains("broken: undo failed", Assert.Single(incomplete.Rollback.Failed));
        Assert.Contains("rollback FAILED for: broken", incomplete.Message);

        var clean = new UndoJournal();
        clean.Push("x", () => { });
        Assert.Same(original, clean.RollbackAfter(original));
        clean.Push("y", () => throw new InvalidOperationException());
        clean.Discard();
        Assert.Empty(clean.Rollback().Undone);
    }

    [Fact]
    public void Md_errors_name_the_array_and_the_member()
    {
        var e = new MdException("refused", "ioctl SET_DISK_FAULTY", "/dev/md127", "/dev/nvme1n1", 16);
        Assert.Equal(("/dev/md127", "/dev/nvme1n1", NvmeNative.Errors.Errno.EBUSY, "/dev/md127"), (e.MdDevice, e.Member, e.Errno, e.Path));
        Assert.Contains("/dev/md127", e.Message);
        Assert.Contains("/dev/nvme1n1", e.Message);
        Assert.Contains("EBUSY", e.Message);
        Assert.IsAssignableFrom<NvmeNativeException>(e);
    }
}
