using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Assemble;

public sealed class AssemblePlannerTests
{
    private static readonly MdUuid ArrayA = MdUuid.Parse("11111111:22222222:33333333:44444444");
    private static readonly MdUuid ArrayB = MdUuid.Parse("55555555:66666666:77777777:88888888");
    private const ushort Faulty = 0xfffe;
    private const ushort Spare = 0xffff;

    private static MemberSuperblock Sb(string member, int devNumber, ulong events, ushort[] roles, MdUuid? uuid = null, int level = 1) =>
        new(member, uuid ?? ArrayA, "any:vol1", level, 2, devNumber, events, roles, FailFast: true, ArraySectors: 2048);

    [Fact]
    public void Two_fresh_members_are_both_used_with_the_freshest_added_last()
    {
        var a = Sb("/dev/a", 0, 10, [0, 1]);
        var b = Sb("/dev/b", 1, 11, [0, 1]);
        var plan = AssemblePlanner.Plan([b, a], [], null, allowDegraded: false);
        Assert.Same(b, plan.Freshest);
        Assert.Equal(["/dev/a", "/dev/b"], plan.Included.Select(s => s.Member));
        Assert.Empty(plan.LeftOut);
        Assert.False(plan.IsDegraded);
    }

    [Fact]
    public void A_member_more_than_one_event_behind_is_stale_and_refused_unless_degraded_is_allowed()
    {
        var fresh = Sb("/dev/a", 0, 20, [0, 1]);
        var stale = Sb("/dev/b", 1, 18, [0, 1]);
        var e = Assert.Throws<MdAssembleRefusedException>(() => AssemblePlanner.Plan([fresh, stale], [], null, allowDegraded: false));
        Assert.Equal(MdLeftOutReason.Stale, Assert.Single(e.LeftOut).Reason);
        Assert.Contains("/dev/b", e.Message);

        var plan = AssemblePlanner.Plan([fresh, stale], [], null, allowDegraded: true);
        Assert.Equal(["/dev/a"], plan.Included.Select(s => s.Member));
        var left = Assert.Single(plan.LeftOut);
        Assert.Equal(("/dev/b", MdLeftOutReason.Stale), (left.Member, left.Reason));
        Assert.Contains("events 18", left.Detail);
        Assert.True(plan.IsDegraded);
    }

    [Fact]
    public void A_member_the_freshest_records_as_faulty_is_left_out_even_one_event_behind()
    {
        var fresh = Sb("/dev/a", 0, 12, [0, Faulty]);
        var failed = Sb("/dev/b", 1, 11, [0, 1]);
        var plan = AssemblePlanner.Plan([failed, fresh], [], null, allowDegraded: true);
        Assert.Equal(MdLeftOutReason.MarkedFaultyByFreshest, Assert.Single(plan.LeftOut).Reason);
    }

    [Fact]
    public void A_member_that_records_the_freshest_as_failed_has_diverged()
    {
        var fresh = Sb("/dev/a", 0, 12, [0, 1]);
        var diverged = Sb("/dev/b", 1, 12, [Faulty, 1]);
        var plan = AssemblePlanner.Plan([fresh, diverged], [], null, allowDegraded: true);
        Assert.Equal(MdLeftOutReason.ReportsFreshestFailed, Assert.Single(plan.LeftOut).Reason);
    }

    [Theory]
    [InlineData(Faulty)]
    [InlineData(Spare)]
    public void A_split_brain_member_far_behind_is_reported_as_diverged_not_stale(ushort roleOfFreshest)
    {
        // b ran alone (recording a as absent) and fell far behind a, which also ran alone: both have their own
        // writes. "Stale" would invite a bitmap re-add that discards b's writes; "diverged" leaves it to a person.
        var fresh = Sb("/dev/a", 0, 40, [0, Spare]);
        var diverged = Sb("/dev/b", 1, 9, [roleOfFreshest, 1]);
        var plan = AssemblePlanner.Plan([fresh, diverged], [], null, allowDegraded: true);
        Assert.Equal(MdLeftOutReason.ReportsFreshestFailed, Assert.Single(plan.LeftOut).Reason);
    }

    [Fact]
    public void Other_arrays_spares_and_blank_devices_are_reported()
    {
        var a0 = Sb("/dev/a", 0, 5, [0, 1, Spare]);
        var a1 = Sb("/dev/b", 1, 5, [0, 1, Spare]);
        var spare = Sb("/dev/c", 2, 5, [0, 1, Spare]);
        var other = Sb("/dev/d", 0, 99, [0, 1], ArrayB);
        var plan = AssemblePlanner.Plan([a0, a1, spare, other], ["/dev/e"], ArrayA, allowDegraded: false);
        Assert.Equal(2, plan.Included.Count);
        Assert.Equal(
            [("/dev/c", MdLeftOutReason.NotActive), ("/dev/d", MdLeftOutReason.OtherArray), ("/dev/e", MdLeftOutReason.NoSuperblock)],
            plan.LeftOut.Select(l => (l.Member, l.Reason)).OrderBy(t => t.Member));
    }

    [Fact]
    public void Two_members_in_one_slot_keep_the_fresher()
    {
        var a = Sb("/dev/a", 0, 8, [0, 1]);
        var b = Sb("/dev/b", 1, 8, [0, 1]);
        var copyOfB = Sb("/dev/b-copy", 1, 7, [0, 1]);
        var plan = AssemblePlanner.Plan([a, copyOfB, b], [], null, allowDegraded: false);
        Assert.Equal(["/dev/a", "/dev/b"], plan.Included.Select(s => s.Member).Order());
        var left = Assert.Single(plan.LeftOut);
        Assert.Equal(("/dev/b-copy", MdLeftOutReason.DuplicateSlot), (left.Member, left.Reason));
    }

    [Fact]
    public void Members_of_two_arrays_without_an_expected_uuid_are_ambiguous() =>
        Assert.Throws<InvalidInputException>(() =>
            AssemblePlanner.Plan([Sb("/dev/a", 0, 1, [0, 1]), Sb("/dev/b", 0, 1, [0, 1], ArrayB)], [], null, allowDegraded: true));

    [Fact]
    public void Nothing_to_assemble_is_refused()
    {
        var e = Assert.Throws<MdAssembleRefusedException>(() => AssemblePlanner.Plan([], ["/dev/a"], null, allowDegraded: true));
        Assert.Equal(MdLeftOutReason.NoSuperblock, Assert.Single(e.LeftOut).Reason);
        Assert.Throws<MdAssembleRefusedException>(() => AssemblePlanner.Plan([Sb("/dev/a", 0, 1, [Spare])], [], null, allowDegraded: true));
    }

    [Fact]
    public void Only_raid1_is_assembled() =>
        Assert.Throws<InvalidInputException>(() => AssemblePlanner.Plan([Sb("/dev/a", 0, 1, [0, 1], level: 5)], [], null, allowDegraded: true));
}
