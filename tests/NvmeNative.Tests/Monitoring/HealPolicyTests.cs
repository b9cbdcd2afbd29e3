using NvmeNative.Md;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.Tests.ReplicaStateTests;

namespace NvmeNative.Tests.Monitoring;

/// <summary>What healing does with a replica reachable again, from its record entry and its superblock.</summary>
public sealed class HealPolicyTests
{
    private static readonly MdUuid Array = MdUuid.Parse(ReplicaFixtures.ArrayUuid);
    private static readonly MdUuid Other = MdUuid.Parse("fedcba9876543210fedcba9876543210");

    private static ReplicaStateEntry Entry(ReplicaCondition state, ulong? failedAt = 40) =>
        new(ReplicaFixtures.Id(1), state, ReplicaFixtures.T0, state == ReplicaCondition.Failed ? failedAt : null, 1);

    private static MdMemberExamination Superblock(MdUuid uuid, ulong events) => new("/dev/nvme1n1", uuid, "any:vol1", events, 1, [0, 1, 2]);

    [Fact]
    public void A_failed_replica_behind_its_failure_is_re_added_through_the_bitmap()
    {
        var (action, reason) = HealPolicy.Decide(Entry(ReplicaCondition.Failed), Array, Superblock(Array, 38), carriesOtherMetadata: false);
        Assert.Equal(HealAction.ReAdd, action);
        Assert.Contains("event 38", reason);
    }

    [Fact]
    public void A_replica_at_exactly_its_failure_event_is_re_added()
    {
        Assert.Equal(HealAction.ReAdd, HealPolicy.Decide(Entry(ReplicaCondition.Failed), Array, Superblock(Array, 40), false).Action);
    }

    [Fact]
    public void A_failed_replica_without_a_recorded_event_count_is_re_added()
    {
        Assert.Equal(HealAction.ReAdd, HealPolicy.Decide(Entry(ReplicaCondition.Failed, failedAt: null), Array, Superblock(Array, 900), false).Action);
    }

    [Fact]
    public void A_blank_replica_is_added_for_a_full_rebuild()
    {
        Assert.Equal(HealAction.Add, HealPolicy.Decide(Entry(ReplicaCondition.Failed), Array, null, carriesOtherMetadata: false).Action);
        Assert.Equal(HealAction.Add, HealPolicy.Decide(Entry(ReplicaCondition.Rebuilding), Array, null, carriesOtherMetadata: false).Action);
    }

    [Fact]
    public void A_replica_whose_superblock_belongs_to_another_array_is_refused()
    {
        var (action, reason) = HealPolicy.Decide(Entry(ReplicaCondition.Failed), Array, Superblock(Other, 3), false);
        Assert.Equal(HealAction.Refuse, action);
        Assert.Contains("another array", reason);
    }

    [Fact]
    public void A_replica_that_ran_on_after_it_failed_is_a_split_brain_and_refused()
    {
        var (action, reason) = HealPolicy.Decide(Entry(ReplicaCondition.Failed, failedAt: 40), Array, Superblock(Array, 41), false);
        Assert.Equal(HealAction.Refuse, action);
        Assert.Contains("split brain", reason);
    }

    [Fact]
    public void Metadata_of_another_md_version_is_refused()
    {
        Assert.Equal(HealAction.Refuse, HealPolicy.Decide(Entry(ReplicaCondition.Failed), Array, null, carriesOtherMetadata: true).Action);
    }

    [Fact]
    public void In_sync_and_removed_replicas_are_left_alone()
    {
        Assert.Equal(HealAction.None, HealPolicy.Decide(Entry(ReplicaCondition.InSync), Array, Superblock(Array, 1), false).Action);
        Assert.Equal(HealAction.None, HealPolicy.Decide(Entry(ReplicaCondition.Removed), Array, null, false).Action);
    }
}
