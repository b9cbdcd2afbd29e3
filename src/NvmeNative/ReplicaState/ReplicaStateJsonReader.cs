using System.Text.Json;

namespace NvmeNative.ReplicaState;

/// <summary>
/// Reads what <see cref="ReplicaStateJsonWriter"/> writes, and every record earlier versions wrote through
/// System.Text.Json's serializer, by hand on a <see cref="Utf8JsonReader"/> (see the writer for why). It reads as
/// that serializer did: exact snake_case names, unknown properties skipped, enum names in any case or their numbers,
/// numbers only as JSON numbers, other members missing left at 0 or null, a missing required member an error. Stricter
/// in two ways, where the serializer guessed: a property given twice is refused (it kept the last), and a state must be
/// one of the four names or their numbers (it also took numbers no state has, numbers in strings, padded names and
/// comma lists such as "InSync, Failed", which it OR-ed into another state). No version wrote either.
/// Every failure is a <see cref="JsonException"/> naming the member; the caller turns it into a corrupt record.
/// </summary>
internal static class ReplicaStateJsonReader
{
    internal static ReplicaStateRecord ReadRecord(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return ReadRecordCore(utf8Json);
        }
        catch (InvalidOperationException e) // a string or name that is not valid UTF-8 (or an escaped lone surrogate)
        {
            throw new JsonException(e.Message, e);
        }
    }

    internal static FileReplicaStateEnvelope? ReadFile(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return ReadFileCore(utf8Json);
        }
        catch (InvalidOperationException e) // as in ReadRecord
        {
            throw new JsonException(e.Message, e);
        }
    }

    private static ReplicaStateRecord ReadRecordCore(ReadOnlySpan<byte> utf8Json)
    {
        var r = new Utf8JsonReader(utf8Json);
        Next(ref r, "the record");
        var record = Record(ref r) ?? throw new JsonException("the record is JSON null");
        End(ref r);
        return record;
    }

    private static FileReplicaStateEnvelope? ReadFileCore(ReadOnlySpan<byte> utf8Json)
    {
        var r = new Utf8JsonReader(utf8Json);
        Next(ref r, "the record file");
        if (r.TokenType == JsonTokenType.Null)
        {
            End(ref r);
            return null;
        }
        long? generation = null;
        ReplicaStateRecord? record = null;
        var seen = new Seen("the record file");
        StartObject(ref r, "the record file");
        while (NextProperty(ref r, "the record file"))
        {
            if (seen.Is(ref r, "generation"u8, 0))
                generation = Int64(ref r, "generation");
            else if (seen.Is(ref r, "record"u8, 1))
                record = Record(ref r);
            else
                r.Skip(); // an unknown member (a newer version's): its value skipped
        }
        seen.Require(0, "generation");
        seen.Require(1, "record");
        End(ref r);
        return new FileReplicaStateEnvelope(generation!.Value, record!);
    }

    /// <summary>The name JsonStringEnumConverter gives <paramref name="state"/>, or null for a value without one.</summary>
    internal static string? ConditionName(ReplicaCondition state) => state switch
    {
        ReplicaCondition.InSync => nameof(ReplicaCondition.InSync),
        ReplicaCondition.Failed => nameof(ReplicaCondition.Failed),
        ReplicaCondition.Rebuilding => nameof(ReplicaCondition.Rebuilding),
        ReplicaCondition.Removed => nameof(ReplicaCondition.Removed),
        _ => null,
    };

    private static ReplicaStateRecord? Record(ref Utf8JsonReader r)
    {
        const string what = "the record";
        if (r.TokenType == JsonTokenType.Null)
            return null;
        StartObject(ref r, what);
        var seen = new Seen(what);
        // Missing, these stay 0 and null as the serializer left them (it did not run the initialisers), and Validate
        // refuses the record: no version ever wrote one without them.
        int schema = 0;
        string? volumeKey = null, alias = null, arrayUuid = null;
        ulong knownGood = 0;
        List<ReplicaStateEntry>? replicas = null;
        ReplicaOwner? owner = null;
        List<ReplicaStateNote>? notes = null;
        DateTimeOffset updatedAt = default;
        while (NextProperty(ref r, what))
        {
            if (seen.Is(ref r, "schema"u8, 0))
                schema = Int32(ref r, "schema");
            else if (seen.Is(ref r, "volume_key"u8, 1))
                volumeKey = NullableString(ref r, "volume_key");
            else if (seen.Is(ref r, "alias"u8, 2))
                alias = NullableString(ref r, "alias");
            else if (seen.Is(ref r, "array_uuid"u8, 3))
                arrayUuid = NullableString(ref r, "array_uuid");
            else if (seen.Is(ref r, "known_good_events"u8, 4))
                knownGood = UInt64(ref r, "known_good_events");
            else if (seen.Is(ref r, "replicas"u8, 5))
                replicas = List(ref r, "replicas", Entry);
            else if (seen.Is(ref r, "owner"u8, 6))
                owner = Owner(ref r);
            else if (seen.Is(ref r, "notes"u8, 7))
                notes = List(ref r, "notes", Note);
            else if (seen.Is(ref r, "updated_at"u8, 8))
                updatedAt = DateTime(ref r, "updated_at");
            else
                r.Skip();
        }
        seen.Require(1, "volume_key");
        seen.Require(2, "alias");
        seen.Require(5, "replicas");
        // Nulls in the lists and required strings stay null, as the serializer left them: Validate names them.
        return new ReplicaStateRecord
        {
            Schema = schema, VolumeKey = volumeKey!, Alias = alias!, ArrayUuid = arrayUuid, KnownGoodEvents = knownGood,
            Replicas = replicas!, Owner = owner, Notes = notes!, UpdatedAt = updatedAt,
        };
    }

    private static ReplicaStateEntry? Entry(ref Utf8JsonReader r)
    {
        const string what = "a replica entry";
        if (r.TokenType == JsonTokenType.Null)
            return null;
        StartObject(ref r, what);
        var seen = new Seen(what);
        ReplicaIdentity? replica = null;
        ReplicaCondition state = default;
        DateTimeOffset since = default;
        ulong? failedAt = null;
        int? devNumber = null;
        while (NextProperty(ref r, what))
        {
            if (seen.Is(ref r, "replica"u8, 0))
                replica = Identity(ref r);
            else if (seen.Is(ref r, "state"u8, 1))
                state = Condition(ref r);
            else if (seen.Is(ref r, "since"u8, 2))
                since = DateTime(ref r, "since");
            else if (seen.Is(ref r, "failed_at_events"u8, 3))
                failedAt = r.TokenType == JsonTokenType.Null ? null : UInt64(ref r, "failed_at_events");
            else if (seen.Is(ref r, "dev_number"u8, 4))
                devNumber = r.TokenType == JsonTokenType.Null ? null : Int32(ref r, "dev_number");
            else
                r.Skip();
        }
        seen.Require(0, "replica");
        seen.Require(1, "state");
        seen.Require(2, "since");
        return new ReplicaStateEntry(replica!, state, since, failedAt, devNumber);
    }

    private static ReplicaIdentity? Identity(ref Utf8JsonReader r)
    {
        const string what = "a replica";
        if (r.TokenType == JsonTokenType.Null)
            return null;
        StartObject(ref r, what);
        var seen = new Seen(what);
        string? nqn = null, ns = null;
        while (NextProperty(ref r, what))
        {
            if (seen.Is(ref r, "target_nqn"u8, 0))
                nqn = NullableString(ref r, "target_nqn");
            else if (seen.Is(ref r, "namespace"u8, 1))
                ns = NullableString(ref r, "namespace");
            else
                r.Skip();
        }
        seen.Require(0, "target_nqn");
        seen.Require(1, "namespace");
        return new ReplicaIdentity(nqn!, ns!); // checks both (InvalidInputException)
    }

    private static ReplicaOwner? Owner(ref Utf8JsonReader r)
    {
        const string what = "the owner";
        if (r.TokenType == JsonTokenType.Null)
            return null;
        StartObject(ref r, what);
        var seen = new Seen(what);
        string? host = null;
        DateTimeOffset at = default;
        while (NextProperty(ref r, what))
        {
            if (seen.Is(ref r, "host_nqn"u8, 0))
                host = NullableString(ref r, "host_nqn");
            else if (seen.Is(ref r, "attached_at"u8, 1))
                at = DateTime(ref r, "attached_at");
            else
                r.Skip();
        }
        seen.Require(0, "host_nqn");
        seen.Require(1, "attached_at");
        return new ReplicaOwner(host!, at);
    }

    private static ReplicaStateNote? Note(ref Utf8JsonReader r)
    {
        const string what = "a note";
        if (r.TokenType == JsonTokenType.Null)
            return null;
        StartObject(ref r, what);
        var seen = new Seen(what);
        DateTimeOffset at = default;
        string? host = null, kind = null, text = null;
        while (NextProperty(ref r, what))
        {
            if (seen.Is(ref r, "at"u8, 0))
                at = DateTime(ref r, "at");
            else if (seen.Is(ref r, "host_nqn"u8, 1))
                host = NullableString(ref r, "host_nqn");
            else if (seen.Is(ref r, "kind"u8, 2))
                kind = NullableString(ref r, "kind");
            else if (seen.Is(ref r, "text"u8, 3))
                text = NullableString(ref r, "text");
            else
                r.Skip();
        }
        for (int i = 0; i < 4; i++)
            seen.Require(i, i switch { 0 => "at", 1 => "host_nqn", 2 => "kind", _ => "text" });
        return new ReplicaStateNote(at, host!, kind!, text!);
    }

    private delegate T? Element<T>(ref Utf8JsonReader r) where T : class;

    private static List<T>? List<T>(ref Utf8JsonReader r, string name, Element<T> element) where T : class
    {
        if (r.TokenType == JsonTokenType.Null)
            return null;
        if (r.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"{name}: expected an array, found {r.TokenType}");
        var items = new List<T>();
        while (true)
        {
            Next(ref r, name);
            if (r.TokenType == JsonTokenType.EndArray)
                return items;
            items.Add(element(ref r)!);
        }
    }

    private static readonly ReplicaCondition[] Conditions =
        [ReplicaCondition.InSync, ReplicaCondition.Failed, ReplicaCondition.Rebuilding, ReplicaCondition.Removed];

    // A name in any case, or the number of a named value (see the class comment for what is refused).
    private static ReplicaCondition Condition(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int number) && ConditionName((ReplicaCondition)number) is not null)
            return (ReplicaCondition)number;
        if (r.TokenType == JsonTokenType.String)
        {
            string text = r.GetString()!;
            foreach (var state in Conditions)
            {
                if (string.Equals(text, ConditionName(state), StringComparison.OrdinalIgnoreCase))
                    return state;
            }
        }
        throw new JsonException($"state: {Describe(ref r)} is not InSync, Failed, Rebuilding or Removed");
    }

    private static string? NullableString(ref Utf8JsonReader r, string name) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => r.GetString(),
        _ => throw new JsonException($"{name}: expected a string, found {r.TokenType}"),
    };

    private static int Int32(ref Utf8JsonReader r, string name) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int value) ? value
            : throw new JsonException($"{name}: {Describe(ref r)} is not a 32-bit integer");

    private static long Int64(ref Utf8JsonReader r, string name) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long value) ? value
            : throw new JsonException($"{name}: {Describe(ref r)} is not a 64-bit integer");

    private static ulong UInt64(ref Utf8JsonReader r, string name) =>
        r.TokenType == JsonTokenType.Number && r.TryGetUInt64(out ulong value) ? value
            : throw new JsonException($"{name}: {Describe(ref r)} is not an unsigned 64-bit integer");

    private static DateTimeOffset DateTime(ref Utf8JsonReader r, string name) =>
        r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var value) ? value
            : throw new JsonException($"{name}: {Describe(ref r)} is not an ISO 8601 date and time");

    private static string Describe(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.String or JsonTokenType.Number => $"'{Truncate(r.TokenType == JsonTokenType.String ? r.GetString()! : System.Text.Encoding.UTF8.GetString(r.ValueSpan))}'",
        _ => r.TokenType.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static void Next(ref Utf8JsonReader r, string what)
    {
        if (!r.Read())
            throw new JsonException($"{what} ends early");
    }

    private static void StartObject(ref Utf8JsonReader r, string what)
    {
        if (r.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"{what}: expected an object, found {r.TokenType}");
    }

    // Moves to the next property's name; false at the object's end.
    private static bool NextProperty(ref Utf8JsonReader r, string what)
    {
        Next(ref r, what);
        return r.TokenType != JsonTokenType.EndObject; // else a property name: the reader allows nothing else here
    }

    // Nothing but white space may follow the value.
    private static void End(ref Utf8JsonReader r)
    {
        if (r.Read())
            throw new JsonException($"more follows the value ({r.TokenType} at byte {r.TokenStartIndex})");
    }

    /// <summary>The members an object has given so far, to refuse one given twice and name a required one missing.</summary>
    private ref struct Seen(string what)
    {
        private int _mask;

        // On a property name: true, and on to its value, when it is <paramref name="name"/>.
        internal bool Is(ref Utf8JsonReader r, ReadOnlySpan<byte> name, int bit)
        {
            if (!r.ValueTextEquals(name))
                return false;
            if ((_mask & (1 << bit)) != 0)
                throw new JsonException($"{what}: '{System.Text.Encoding.UTF8.GetString(name)}' is given twice");
            _mask |= 1 << bit;
            Next(ref r, what);
            return true;
        }

        internal readonly void Require(int bit, string name)
        {
            if ((_mask & (1 << bit)) == 0)
                throw new JsonException($"{what}: '{name}' is missing");
        }
    }
}
