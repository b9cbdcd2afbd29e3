using System.Text;
using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

public sealed class ReplicaStateJsonTests
{
    private static ReplicaStateRecord Full() =>
        Record(3, 120, (2, ReplicaCondition.Failed, 91UL), (1, ReplicaCondition.Rebuilding, null))
            .WithOwner(new ReplicaOwner("nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555", T0), T0)
            .WithNote(new ReplicaStateNote(T0, "nqn.host", "allow_stale_start", "started from replica 2"), T0);

    [Fact]
    public void A_record_round_trips()
    {
        var record = Full();
        var back = ReplicaStateJson.Deserialize(ReplicaStateJson.Serialize(record), "test");

        Assert.Equal(record.VolumeKey, back.VolumeKey);
        Assert.Equal(record.ArrayUuid, back.ArrayUuid);
        Assert.Equal(record.KnownGoodEvents, back.KnownGoodEvents);
        Assert.Equal(record.Replicas, back.Replicas);
        Assert.Equal(record.Owner, back.Owner);
        Assert.Equal(record.Notes, back.Notes);
        Assert.Equal(record.UpdatedAt, back.UpdatedAt);
    }

    [Fact]
    public void The_format_is_snake_case_with_enum_names_and_a_schema()
    {
        string json = Encoding.UTF8.GetString(ReplicaStateJson.Serialize(Full()));

        Assert.Contains("\"schema\": 1", json);
        Assert.Contains("\"known_good_events\": 120", json);
        Assert.Contains("\"state\": \"Failed\"", json);
        Assert.Contains("\"failed_at_events\": 91", json);
        Assert.Contains("\"target_nqn\": \"nqn.2014-08.org.example:replica2\"", json);
        Assert.Contains("\"host_nqn\"", json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"schema\":1}")]
    [InlineData("{\"schema\":1,\"volume_key\":\"k\",\"alias\":\"a\",\"replicas\":[{\"replica\":{\"target_nqn\":\"nqn.x\",\"namespace\":\"bogus\"},\"state\":\"InSync\",\"since\":\"2026-01-01T00:00:00Z\"}]}")]
    [InlineData("{\"schema\":1,\"volume_key\":\"k\",\"alias\":\"a\",\"replicas\":[],\"array_uuid\":\"XYZ\"}")]
    public void A_broken_record_is_corrupt(string json)
    {
        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(Encoding.UTF8.GetBytes(json), "src"));
        Assert.Equal("src", e.Path);
    }

    [Fact]
    public void A_record_of_a_newer_schema_is_refused()
    {
        string json = Encoding.UTF8.GetString(ReplicaStateJson.Serialize(Full())).Replace("\"schema\": 1", "\"schema\": 2", StringComparison.Ordinal);

        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(Encoding.UTF8.GetBytes(json), "src"));
        Assert.Contains("schema 2", e.Message);
    }

    [Fact]
    public void Record_changes_keep_since_when_the_state_stays_and_bound_the_notes()
    {
        var record = Record(2, 5);
        var later = T0.AddHours(1);
        Assert.Equal(T0, record.WithReplica(Id(0), ReplicaCondition.InSync, later).EntryOf(Id(0))!.Since);
        Assert.Equal(later, record.WithReplica(Id(0), ReplicaCondition.Failed, later, 6).EntryOf(Id(0))!.Since);
        Assert.Throws<ArgumentException>(() => record.WithReplica(Id(7), ReplicaCondition.Failed, later));

        for (int i = 0; i < ReplicaStateRecord.MaxNotes + 5; i++)
            record = record.WithNote(new ReplicaStateNote(later, "h", "k", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), later);
        Assert.Equal(ReplicaStateRecord.MaxNotes, record.Notes.Count);
        Assert.Equal("5", record.Notes[0].Text);
    }
}
