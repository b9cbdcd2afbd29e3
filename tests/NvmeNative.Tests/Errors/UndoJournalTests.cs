using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Errors;

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
    public void A_failed_gate_stops_the_rollback_and_names_every_step_it_did_not_attempt()
    {
        var journal = new UndoJournal();
        var order = new List<string>();
        journal.Push("deleted controller nvme1", () => order.Add("nvme1"));
        journal.Push("deleted controller nvme2", () => order.Add("nvme2"));
        journal.PushGate("stopped md127", () => throw new MdException("still in use", "ioctl STOP_ARRAY", "/dev/md127", errno: (int)Errno.EBUSY));
        journal.Push("removed link", () => order.Add("link"));

        var (done, failed) = journal.Rollback();

        Assert.Equal(["link"], order);
        Assert.Equal(["removed link"], done);
        Assert.Equal(3, failed.Count);
        Assert.StartsWith("stopped md127: ", failed[0]);
        Assert.All(failed.Skip(1), f => Assert.Contains("not attempted, because the step it depends on failed (stopped md127", f));
        Assert.StartsWith("deleted controller nvme2: ", failed[1]);
        Assert.True(journal.IsEmpty);
    }

    [Fact]
    public void A_gate_that_succeeds_lets_the_earlier_steps_run()
    {
        var journal = new UndoJournal();
        var order = new List<string>();
        journal.Push("deleted controller nvme1", () => order.Add("nvme1"));
        journal.PushGate("stopped md127", () => order.Add("md127"));

        var (done, failed) = journal.Rollback();

        Assert.Equal(["md127", "nvme1"], order);
        Assert.Empty(failed);
    }
}
