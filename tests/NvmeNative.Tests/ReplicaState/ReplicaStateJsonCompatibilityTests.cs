using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

/// <summary>
/// The hand-written record codec against what earlier versions used, System.Text.Json's source-generated serializer
/// with the same options (kept here as the reference): the same bytes written, the same records read from what
/// either wrote, the same inputs refused.
/// </summary>
public sealed class ReplicaStateJsonCompatibilityTests
{
    private static readonly DateTimeOffset T1 = new(2026, 12, 7, 21, 49, 7, 123, TimeSpan.FromHours(2));

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 60)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_bytes_written_are_the_serializers(int seed)
    {
        var record = RandomRecord(seed);
        Assert.Equal(Text(Reference(record)), Text(ReplicaStateJson.Serialize(record)));
        var envelope = new FileReplicaStateEnvelope(seed + 1L, record);
        Assert.Equal(Text(ReferenceFile(envelope)), Text(ReplicaStateJson.SerializeFile(envelope)));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void What_the_serializer_wrote_reads_back_the_same(int seed)
    {
        var record = RandomRecord(seed);
        var read = ReplicaStateJson.Deserialize(Reference(record), "test");
        Assert.Equal(Text(Reference(record)), Text(Reference(read)));
        var file = ReplicaStateJson.DeserializeFile(ReferenceFile(new FileReplicaStateEnvelope(7, record)), "test");
        Assert.Equal(7, file.Generation);
        Assert.Equal(Text(Reference(record)), Text(Reference(file.Record)));
    }

    [Fact]
    public void Names_and_text_that_need_escaping_are_written_and_read_as_the_serializer_does()
    {
        var record = Record(2, 9).WithNote(new ReplicaStateNote(T1, "nqn.h\"<ost>&'+", "kind\\\n\t", "été — 日本 \u0001 \U0001F600"), T1);
        record = record with { Alias = "vol <&> \"quoted\" é" };
        Assert.Equal(Text(Reference(record)), Text(ReplicaStateJson.Serialize(record)));
        Assert.Equal(Text(Reference(record)), Text(Reference(ReplicaStateJson.Deserialize(Reference(record), "t"))));
    }

    /// <summary>Inputs the serializer read, in forms our writer never produces: both readers must agree.</summary>
    [Theory]
    [InlineData("""{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[]}""")] // known_good_events, updated_at defaulted
    [InlineData("""{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[],"future":{"x":[1,{"y":null}]},"more":[[]],"n":1.5e3}""")] // unknown members skipped
    [InlineData("""{"schema":1,"volume\u005fkey":"k","alias":"a","replicas":[],"notes":[],"array_uuid":null,"owner":null}""")] // escaped name, explicit nulls
    [InlineData("""{"schema":1,"notes":[],"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":"failed","since":"2026-01-01T00:00:00Z","failed_at_events":null,"dev_number":null}]}""")] // enum in another case
    [InlineData("""{"schema":1,"notes":[],"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":2,"since":"2026-01-01T00:00:00.5+05:30","failed_at_events":18446744073709551615,"dev_number":-1}]}""")] // enum as its number
    [InlineData("""  {"schema":1,"volume_key":"k","alias":"a","replicas":[],"owner":{"host_nqn":"nqn.h","attached_at":"2026-01-01T00:00:00Z"},"notes":[{"at":"2026-01-01T00:00:00Z","host_nqn":"h","kind":"k","text":""}]}  """)]
    public void Inputs_the_serializer_read_read_the_same(string json)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        var expected = JsonSerializer.Deserialize(utf8, ReferenceContext.Default.ReplicaStateRecord)!;
        expected.Validate("reference");
        var actual = ReplicaStateJson.Deserialize(utf8, "t");
        Assert.Equal(Text(Reference(expected)), Text(Reference(actual)));
    }

    /// <summary>Inputs the serializer refused, or read into a record that fails validation, are corrupt records for the codec too.</summary>
    [Theory]
    [InlineData("""{"volume_key":"k","alias":"a","replicas":[],"notes":[]}""")] // schema missing: 0
    [InlineData("""{"schema":1,"volume_key":"k","alias":"a","replicas":[]}""")] // notes missing: null
    [InlineData("""{"schema":1,"volume_key":null,"alias":"a","replicas":[],"notes":[]}""")]
    [InlineData("""{"schema":1,"volume_key":"k","alias":"a","replicas":[null],"notes":[]}""")]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("\"record\"")]
    [InlineData("""{"notes":[],"schema":1,"alias":"a","replicas":[]}""")] // volume_key missing
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a"}""")] // replicas missing
    [InlineData("""{"notes":[],"schema":"1","volume_key":"k","alias":"a","replicas":[]}""")] // a number as a string
    [InlineData("""{"notes":[],"schema":1.5,"volume_key":"k","alias":"a","replicas":[]}""")]
    [InlineData("""{"notes":[],"schema":1,"known_good_events":-1,"volume_key":"k","alias":"a","replicas":[]}""")]
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":{}}""")]
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[],"updated_at":"yesterday"}""")]
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":"InSync"}]}""")] // since missing
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r"},"state":"InSync","since":"2026-01-01T00:00:00Z"}]}""")] // namespace missing
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":"Lost","since":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[],"owner":{"host_nqn":"h"}}""")] // attached_at missing
    [InlineData("""{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[{"at":"2026-01-01T00:00:00Z","host_nqn":"h","kind":"k"}]}""")] // text missing
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[]} {}""")] // more after the value
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k","alias":"a","replicas":[],}""")] // trailing comma
    [InlineData("""{"notes":[],"schema":1,"volume_key":"k", /* c */ "alias":"a","replicas":[]}""")] // comment
    public void Inputs_the_serializer_refused_are_corrupt(string json)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        Assert.ThrowsAny<Exception>(() => (JsonSerializer.Deserialize(utf8, ReferenceContext.Default.ReplicaStateRecord) ?? throw new JsonException("null")).Validate("reference"));
        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(utf8, "src"));
        Assert.Equal("src", e.Path);
    }

    [Fact]
    public void A_member_given_twice_is_refused_where_the_serializer_kept_the_last()
    {
        byte[] utf8 = """{"schema":1,"volume_key":"k","alias":"a","alias":"b","replicas":[],"notes":[]}"""u8.ToArray();
        Assert.Equal("b", JsonSerializer.Deserialize(utf8, ReferenceContext.Default.ReplicaStateRecord)!.Alias);
        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(utf8, "src"));
        Assert.Contains("'alias' is given twice", e.Message);
    }

    /// <summary>Text that is not valid UTF-8, or an escaped lone surrogate, in a value or a name: corrupt, as the serializer had it.</summary>
    [Theory]
    [InlineData("alias", false)]
    [InlineData("alias", true)]
    [InlineData("state", true)]
    [InlineData("name", true)] // (invalid UTF-8 in an unknown member's name is skipped unread by both, like the member)
    public void Text_that_is_not_unicode_is_corrupt(string where, bool escapedSurrogate)
    {
        byte[] bad = escapedSurrogate ? "\\uD800"u8.ToArray() : [0x61, 0xC3, 0x62]; // a lone surrogate, or a truncated two-byte sequence
        string json = where switch
        {
            "alias" => """{"schema":1,"volume_key":"k","alias":"@","replicas":[],"notes":[]}""",
            "state" => """{"schema":1,"notes":[],"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":"@","since":"2026-01-01T00:00:00Z"}]}""",
            _ => """{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[],"@":1}""",
        };
        byte[] utf8 = [.. Encoding.UTF8.GetBytes(json[..json.IndexOf('@')]), .. bad, .. Encoding.UTF8.GetBytes(json[(json.IndexOf('@') + 1)..])];
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(utf8, ReferenceContext.Default.ReplicaStateRecord));
        Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(utf8, "src"));
        byte[] file = [.. "{\"generation\":1,\"record\":"u8, .. utf8, .. "}"u8];
        Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.DeserializeFile(file, "src"));
    }

    /// <summary>States the serializer took by guessing (numbers no state has, numbers in strings, padded names, comma lists it OR-ed together) are refused.</summary>
    [Theory]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("\"1\"")]
    [InlineData("\" Failed \"")]
    [InlineData("\"InSync, Failed\"")]
    [InlineData("\"Failed,Removed\"")]
    public void A_state_the_serializer_guessed_is_refused(string state)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes("""{"schema":1,"notes":[],"volume_key":"k","alias":"a","replicas":[{"replica":{"target_nqn":"nqn.2014-08.org.example:r","namespace":"nsid:3"},"state":""" +
            state + ""","since":"2026-01-01T00:00:00Z"}]}""");
        JsonSerializer.Deserialize(utf8, ReferenceContext.Default.ReplicaStateRecord); // took it
        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.Deserialize(utf8, "src"));
        Assert.Contains("is not InSync, Failed, Rebuilding or Removed", e.Message);
    }

    [Fact]
    public void A_state_without_a_name_is_never_written()
    {
        var record = Record(2, 1);
        record = record with { Replicas = [record.Replicas[0] with { State = (ReplicaCondition)9 }, record.Replicas[1]] };
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplicaStateJson.Serialize(record));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("""{"record":{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[]}}""")] // generation missing
    [InlineData("""{"generation":0,"record":{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[]}}""")]
    [InlineData("""{"generation":1,"record":null}""")]
    [InlineData("""{"generation":"1","record":{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[]}}""")]
    public void A_broken_record_file_is_corrupt(string json)
    {
        Assert.Equal(3, ReplicaStateJson.DeserializeFile("""{"generation":3,"record":{"schema":1,"volume_key":"k","alias":"a","replicas":[],"notes":[]}}"""u8, "ok").Generation);
        var e = Assert.Throws<ReplicaStateCorruptException>(() => ReplicaStateJson.DeserializeFile(Encoding.UTF8.GetBytes(json), "src"));
        Assert.Equal("src", e.Path);
    }

    private static ReplicaStateRecord RandomRecord(int seed)
    {
        var random = new Random(seed);
        int n = random.Next(1, 5);
        var record = ReplicaStateRecord.New(Key(n, "vol-" + seed), T1.AddSeconds(seed));
        if (random.Next(4) != 0)
            record = record.WithArray(ArrayUuid, (ulong)random.NextInt64(0, long.MaxValue) * (ulong)random.Next(1, 3), T1);
        for (int i = 0; i < n; i++)
        {
            var state = (ReplicaCondition)random.Next(4);
            record = record.WithReplica(Id(i), state, T1.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay)),
                state == ReplicaCondition.Failed && random.Next(2) == 0 ? (ulong)random.Next() : null,
                random.Next(3) == 0 ? null : random.Next(0, 1920));
        }
        if (random.Next(2) == 0)
            record = record.WithOwner(new ReplicaOwner("nqn.2014-08.org.nvmexpress:uuid:" + Guid.NewGuid(), T1.ToOffset(TimeSpan.FromMinutes(-random.Next(0, 600)))), T1);
        for (int i = random.Next(0, 4); i > 0; i--)
            record = record.WithNote(new ReplicaStateNote(T1.AddDays(i), "nqn.host", "takeover", $"note {i} of seed {seed}"), T1);
        return record with { UpdatedAt = T1.AddMilliseconds(seed) };
    }

    private static byte[] Reference(ReplicaStateRecord record) =>
        JsonSerializer.SerializeToUtf8Bytes(record, ReferenceContext.Default.ReplicaStateRecord);

    private static byte[] ReferenceFile(FileReplicaStateEnvelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, ReferenceContext.Default.FileReplicaStateEnvelope);

    private static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);
}

/// <summary>The serializer setup the library wrote and read records with before the hand-written codec (its ReplicaStateJsonContext), as the reference.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = true,
    WriteIndented = true)]
[JsonSerializable(typeof(ReplicaStateRecord))]
[JsonSerializable(typeof(FileReplicaStateEnvelope))]
internal sealed partial class ReferenceContext : JsonSerializerContext;
