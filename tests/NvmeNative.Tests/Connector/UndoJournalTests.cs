using NvmeNative.Connector;
using NvmeNative.Errors;

namespace NvmeNative.Tests.Connector;

public sealed class UndoJournalTests
{
    [Fact]
    public void Rollback_runs_newest_first_and_keeps_going_after_a_failed_step()
    {
        var journal = new UndoJournal();
        var order = new List<string>();
        journal.Push("deleted controller nvme1", () => order.Add("nvme1"));
        journal.Push("deleted controller nvme2", () => throw new NvmeNativeException("busy", "delete controller", "/sys/class/nvme/nvme2/delete_controller", (int)Errno.EBUSY));
        journal.Push("deleted controller nvme3", () => order.Add("nvme3"));

        var (done, failed) = journal.Rollback();

        Assert.Equal(["nvme3", "nvme1"], order);
        Assert.Equal(["deleted controller nvme3", "deleted controller nvme1"], done);
        Assert.Single(failed);
        Assert.StartsWith("deleted controller nvme2: ", failed[0]);
        Assert.True(journal.IsEmpty);
    }

    [Fact]
    public void Attach_failure_says_what_was_rolled_back_and_keeps_the_cause()
    {
        var cause = new NvmeNativeException("Connection refused", "write", "/dev/nvme-fabrics", (int)Errno.ECONNREFUSED,
            "nqn=n,transport=tcp,traddr=127.0.0.1,dhchap_secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:");
        var e = new AttachFailedException(cause, ["deleted controller nvme3"], []);
        Assert.Same(cause, e.InnerException);
        Assert.Equal(Errno.ECONNREFUSED, e.Errno);
        Assert.Contains("rolled back: deleted controller nvme3", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.ConnectString);
    }
}
