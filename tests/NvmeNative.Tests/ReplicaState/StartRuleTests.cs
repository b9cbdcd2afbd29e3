using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

public sealed class StartRuleTests
{
    private static StartDecision Evaluate(int n, ReplicaStateRecord? record, bool force, params ReplicaObservation[] replicas) =>
        StartRule.Evaluate(new StartRuleInput(n, record, replicas, force, "file:/test"));

    private static ReplicaLeftOut LeftOut(StartDecision d, int index) => Assert.Single(d.LeftOut, l => l.Index == index);

    // The scenario: 4 replicas; 2 and 3 were cut off at events 90 before md marked them faulty (their
    // superblocks still show all 4 active); 0 and 1 went on to 120 and mark 2 and 3 faulty.
    private static readonly ReplicaStateRecord ScenarioRecord =
        Record(4, 120, (2, ReplicaCondition.Failed, 91UL), (3, ReplicaCondition.Failed, 91UL));

    [Fact]
    public void Only_the_stale_replicas_reachable_with_a_record_is_refused_naming_both()
    {
        var d = Evaluate(4, ScenarioRecord, false, Down(0), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.False(d.Allowed);
        Assert.Null(d.Rule);
        Assert.Empty(d.Sources);
        Assert.Equal(ReplicaLeftOutReason.MarkedFailedInRecord, LeftOut(d, 2).Reason);
        Assert.Equal(ReplicaLeftOutReason.MarkedFailedInRecord, LeftOut(d, 3).Reason);
        Assert.Equal(ReplicaLeftOutReason.Unreachable, LeftOut(d, 0).Reason);
        Assert.Contains("replica 2 (", d.Message);
        Assert.Contains("replica 3 (", d.Message);
        Assert.Contains("failed at event 91", d.Message);
        Assert.Contains("it says current: replica 0", d.Message);
        var e = Assert.Throws<ReplicaStartRefusedException>(() => d.ThrowIfRefused("vol1"));
        Assert.Equal("/dev/md/vol1", e.Path);
        Assert.Equal(4, e.LeftOut.Count);
    }

    [Fact]
    public void A_record_that_missed_the_failure_still_refuses_replicas_below_its_known_good_events()
    {
        // Written at detach: all in sync at 120, as far as this host saw.
        var record = Record(4, 120);
        var d = Evaluate(4, record, false, Down(0), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.False(d.Allowed);
        Assert.Equal(ReplicaLeftOutReason.BehindRecord, LeftOut(d, 2).Reason);
        Assert.Contains("events 90, below the known-good 120", LeftOut(d, 3).Detail);
    }

    [Fact]
    public void Only_the_stale_replicas_reachable_without_a_record_is_refused()
    {
        var d = Evaluate(4, null, false, Down(0), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.False(d.Allowed);
        Assert.Contains("2 of 4 replicas are present and agree", d.Message);
        Assert.Contains("a strict majority needs 3", d.Message);
        Assert.Contains("counts dev 0, 1 as active", d.Message);
        Assert.Contains("file:/test has no record", d.Message);
    }

    [Fact]
    public void Three_of_four_with_the_record_start_from_the_fresh_one_and_re_add_the_stale()
    {
        var d = Evaluate(4, ScenarioRecord, false, Up(0, 120, Without(4, 2, 3)), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.RecordSaysCurrent, d.Rule);
        Assert.Equal([0], d.Sources);
        Assert.Equal([2, 3], d.ReAdd);
        Assert.True(d.Degraded);
        Assert.Equal(ArrayUuid, d.ArrayUuid);
        Assert.Equal(120UL, d.Events);
        Assert.False(LeftOut(d, 1).ReAdd);
    }

    [Fact]
    public void Three_of_four_with_a_record_that_missed_the_failure_start_from_the_fresh_one_by_events()
    {
        var record = Record(4, 80); // written at attach, before anything failed
        var d = Evaluate(4, record, false, Up(0, 120, Without(4, 2, 3)), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.True(d.Allowed);
        Assert.Equal([0], d.Sources);
        Assert.Equal(ReplicaLeftOutReason.Stale, LeftOut(d, 2).Reason);
        Assert.Equal([2, 3], d.ReAdd);
    }

    [Fact]
    public void Three_of_four_without_a_record_is_refused_because_the_missing_fresh_replica_is_still_active()
    {
        var d = Evaluate(4, null, false, Up(0, 120, Without(4, 2, 3)), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.False(d.Allowed);
        Assert.Contains("counts dev 1 as active", d.Message);
        Assert.Equal(ReplicaLeftOutReason.Stale, LeftOut(d, 2).Reason);
    }

    [Fact]
    public void Without_a_record_the_fresh_side_starts_when_it_marked_every_missing_replica_faulty()
    {
        var d = Evaluate(4, null, false, Up(0, 120, Without(4, 2, 3)), Up(1, 120, Without(4, 2, 3)), Down(2), Down(3));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.MissingMarkedFailed, d.Rule);
        Assert.Equal([0, 1], d.Sources);
        Assert.Empty(d.ReAdd);
        Assert.Contains("degraded (2 of 4)", d.Message);
    }

    [Fact]
    public void A_spare_role_counts_as_not_active_for_the_missing_replica_proof()
    {
        var roles = new ushort[] { 0, Spare };
        var d = Evaluate(2, null, false, Up(0, 50, roles), Down(1));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.MissingMarkedFailed, d.Rule);
    }

    [Fact]
    public void Two_replicas_one_unreachable_and_no_record_is_refused()
    {
        var d = Evaluate(2, null, false, Up(0, 50, AllActive(2)), Down(1));

        Assert.False(d.Allowed);
        Assert.Contains("1 of 2 replicas are present and agree", d.Message);
        Assert.Equal(ReplicaLeftOutReason.Unreachable, LeftOut(d, 1).Reason);
    }

    [Fact]
    public void A_strict_majority_that_agrees_within_one_event_starts()
    {
        var d = Evaluate(5, null, false, Up(0, 70, AllActive(5)), Up(1, 69, AllActive(5)), Up(2, 70, AllActive(5)), Down(3), Down(4));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.Majority, d.Rule);
        Assert.Equal([0, 1, 2], d.Sources);
        Assert.Equal(70UL, d.Events);
    }

    [Fact]
    public void Half_is_no_majority()
    {
        var d = Evaluate(4, null, false, Up(0, 70, AllActive(4)), Up(1, 70, AllActive(4)), Down(2), Down(3));

        Assert.False(d.Allowed);
    }

    [Fact]
    public void A_majority_counts_only_members_that_agree()
    {
        // 3 of 5 present, but one is 5 events behind: 2 agree, no majority.
        var d = Evaluate(5, null, false, Up(0, 70, AllActive(5)), Up(1, 70, AllActive(5)), Up(2, 65, AllActive(5)), Down(3), Down(4));

        Assert.False(d.Allowed);
        Assert.Equal(ReplicaLeftOutReason.Stale, LeftOut(d, 2).Reason);
    }

    [Fact]
    public void All_replicas_present_and_agreeing_start_by_majority()
    {
        var d = Evaluate(2, null, false, Up(0, 7, AllActive(2)), Up(1, 7, AllActive(2)));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.Majority, d.Rule);
        Assert.False(d.Degraded);
        Assert.Empty(d.LeftOut);
    }

    [Fact]
    public void A_replica_the_record_marks_failed_is_never_a_source_even_when_its_superblock_is_freshest()
    {
        var record = Record(2, 100, (1, ReplicaCondition.Failed, 101UL));
        var d = Evaluate(2, record, false, Up(0, 100, AllActive(2)), Up(1, 130, AllActive(2)));

        Assert.True(d.Allowed);
        Assert.Equal([0], d.Sources);
        Assert.Equal(100UL, d.Events);
        Assert.Equal(ReplicaLeftOutReason.MarkedFailedInRecord, LeftOut(d, 1).Reason);
        Assert.True(LeftOut(d, 1).ReAdd);
    }

    [Theory]
    [InlineData(ReplicaCondition.Rebuilding, ReplicaLeftOutReason.RebuildingInRecord)]
    [InlineData(ReplicaCondition.Removed, ReplicaLeftOutReason.RemovedInRecord)]
    public void Rebuilding_and_removed_replicas_are_not_sources(ReplicaCondition state, ReplicaLeftOutReason reason)
    {
        var record = Record(2, 100, (1, state, null));
        var d = Evaluate(2, record, false, Up(0, 100, AllActive(2)), Up(1, 100, AllActive(2)));

        Assert.Equal([0], d.Sources);
        Assert.Equal(reason, LeftOut(d, 1).Reason);
    }

    [Fact]
    public void With_a_record_one_current_replica_starts_degraded_even_without_a_majority()
    {
        var d = Evaluate(3, Record(3, 100), false, Up(0, 100, AllActive(3)), Down(1), Down(2));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.RecordSaysCurrent, d.Rule);
        Assert.Contains("the record says in sync", LeftOut(d, 1).Detail);
    }

    [Fact]
    public void Split_brain_is_refused_naming_both_sides_and_their_events()
    {
        var d = Evaluate(2, null, false, Up(0, 95, Without(2, 1)), Up(1, 93, Without(2, 0)));

        Assert.False(d.Allowed);
        Assert.Contains("split brain", d.Message);
        Assert.Contains("replica 0 (", d.Message);
        Assert.Contains("replica 1 (", d.Message);
        Assert.Contains("95", d.Message);
        Assert.Contains("93", d.Message);
        Assert.Equal(ReplicaLeftOutReason.SplitBrain, LeftOut(d, 0).Reason);
        Assert.Equal(ReplicaLeftOutReason.SplitBrain, LeftOut(d, 1).Reason);
    }

    [Fact]
    public void Split_brain_is_refused_with_a_record_too()
    {
        var d = Evaluate(2, Record(2, 90), false, Up(0, 95, Without(2, 1)), Up(1, 93, Without(2, 0)));

        Assert.False(d.Allowed);
        Assert.Contains("split brain", d.Message);
    }

    [Fact]
    public void A_member_that_ran_without_the_freshest_while_the_freshest_went_on_is_split_brain()
    {
        // 1 marks 0 faulty, yet 0 went on further without ever marking 1: both wrote.
        var d = Evaluate(2, null, false, Up(0, 95, AllActive(2)), Up(1, 93, Without(2, 0)));

        Assert.False(d.Allowed);
        Assert.Contains("split brain", d.Message);
    }

    [Fact]
    public void A_replica_marked_faulty_by_the_fresh_side_is_stale_not_split_brain()
    {
        var d = Evaluate(2, null, false, Up(0, 95, Without(2, 1)), Up(1, 94, AllActive(2)));

        Assert.True(d.Allowed);
        Assert.Equal([0], d.Sources);
        Assert.Equal(ReplicaLeftOutReason.MarkedFaultyByFreshest, LeftOut(d, 1).Reason);
        Assert.Equal([1], d.ReAdd);
    }

    [Fact]
    public void The_override_starts_a_split_brain_from_the_freshest_side_and_says_what_it_overrode()
    {
        var d = Evaluate(2, null, true, Up(0, 95, Without(2, 1)), Up(1, 93, Without(2, 0)));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.Override, d.Rule);
        Assert.Equal([0], d.Sources);
        Assert.Equal(ReplicaLeftOutReason.SplitBrain, LeftOut(d, 1).Reason);
        Assert.False(LeftOut(d, 1).ReAdd);
        Assert.Contains("split brain", d.OverriddenRefusal);
        Assert.Contains("overriding the refusal", d.Message);
    }

    [Fact]
    public void The_override_starts_the_stale_replicas_when_nothing_else_is_reachable()
    {
        var d = Evaluate(4, ScenarioRecord, true, Down(0), Down(1), Up(2, 90, AllActive(4)), Up(3, 90, AllActive(4)));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.Override, d.Rule);
        Assert.Equal([2, 3], d.Sources);
        Assert.Contains("MarkedFailed", d.OverriddenRefusal);
    }

    [Fact]
    public void The_override_is_not_used_when_the_rule_allows()
    {
        var d = Evaluate(2, null, true, Up(0, 7, AllActive(2)), Up(1, 7, AllActive(2)));

        Assert.Equal(StartRuleKind.Majority, d.Rule);
        Assert.Null(d.OverriddenRefusal);
    }

    [Fact]
    public void The_override_cannot_start_from_nothing()
    {
        var d = Evaluate(2, null, true, Down(0), Down(1));

        Assert.False(d.Allowed);
        Assert.Contains("no replica is reachable", d.Message);
    }

    [Fact]
    public void Blank_replicas_without_a_record_make_a_new_volume()
    {
        var d = Evaluate(3, null, false, Blank(0), Blank(1), Down(2));

        Assert.True(d.Allowed);
        Assert.Equal(StartRuleKind.NewVolume, d.Rule);
        Assert.Equal([0, 1], d.Sources);
        Assert.Null(d.ArrayUuid);
        Assert.Contains("create a new md array", d.Message);
    }

    [Fact]
    public void A_new_volume_needs_a_strict_majority_reachable()
    {
        var d = Evaluate(2, null, false, Blank(0), Down(1));

        Assert.False(d.Allowed);
        Assert.Contains("only 1 of 2 replicas are reachable", d.Message);
    }

    [Fact]
    public void Blank_replicas_are_no_new_volume_when_the_record_names_an_array()
    {
        var d = Evaluate(2, Record(2, 10), false, Blank(0), Blank(1));

        Assert.False(d.Allowed);
        Assert.Contains($"md array {ArrayUuid}", d.Message);
        Assert.Equal(ReplicaLeftOutReason.NoSuperblock, LeftOut(d, 0).Reason);
    }

    [Fact]
    public void A_record_without_an_array_is_no_history_and_rule_two_applies()
    {
        var record = ReplicaStateRecord.New(Key(2), T0);
        Assert.True(Evaluate(2, record, false, Blank(0), Blank(1)).Allowed);
        Assert.False(Evaluate(2, record, false, Up(0, 5, AllActive(2)), Down(1)).Allowed);
    }

    [Fact]
    public void A_blank_replica_beside_an_array_is_re_added()
    {
        var d = Evaluate(3, null, false, Up(0, 9, AllActive(3)), Up(1, 9, AllActive(3)), Blank(2));

        Assert.True(d.Allowed);
        Assert.Equal(ReplicaLeftOutReason.NoSuperblock, LeftOut(d, 2).Reason);
        Assert.Equal([2], d.ReAdd);
    }

    [Fact]
    public void Replicas_of_different_arrays_without_a_record_are_refused_naming_the_arrays()
    {
        const string other = "ffffffffffffffffffffffffffffffff";
        var d = Evaluate(2, null, false, Up(0, 9, AllActive(2)), Up(1, 9, AllActive(2), other));

        Assert.False(d.Allowed);
        Assert.Contains(ArrayUuid, d.Message);
        Assert.Contains(other, d.Message);
    }

    [Fact]
    public void With_a_record_a_replica_of_another_array_is_left_out_and_not_re_added()
    {
        var d = Evaluate(2, Record(2, 9), false, Up(0, 9, AllActive(2)), Up(1, 50, AllActive(2), "ffffffff:ffffffff:ffffffff:ffffffff"));

        Assert.True(d.Allowed);
        Assert.Equal(ReplicaLeftOutReason.OtherArray, LeftOut(d, 1).Reason);
        Assert.Empty(d.ReAdd);
    }

    [Fact]
    public void Array_uuids_in_mdadm_spelling_match_the_record()
    {
        var d = Evaluate(1, Record(1, 9), false, Up(0, 9, AllActive(1), "01234567:89ABCDEF:01234567:89abcdef"));

        Assert.True(d.Allowed);
        Assert.Equal(ArrayUuid, d.ArrayUuid);
    }

    [Fact]
    public void A_member_whose_own_superblock_says_spare_is_not_a_source()
    {
        var d = Evaluate(2, null, false, Up(0, 9, new ushort[] { 0, Spare }), Up(1, 9, new ushort[] { 0, Spare }));

        Assert.True(d.Allowed);
        Assert.Equal([0], d.Sources);
        Assert.Equal(ReplicaLeftOutReason.NotActive, LeftOut(d, 1).Reason);
    }

    [Fact]
    public void Inconsistent_input_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => Evaluate(0, null, false, Blank(0)));
        Assert.Throws<ArgumentException>(() => Evaluate(2, null, false, Blank(0), Blank(0)));
    }
}
