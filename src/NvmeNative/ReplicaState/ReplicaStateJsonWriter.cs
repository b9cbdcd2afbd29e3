using System.Buffers;
using System.Text.Json;

namespace NvmeNative.ReplicaState;

/// <summary>
/// Writes a record (or a record file) as the JSON every store keeps: the bytes System.Text.Json's serializer wrote
/// with snake_case keys, enum names, nulls left out and two-space indentation (ReplicaStateJsonTests hold the two
/// equal). Written by hand on a <see cref="Utf8JsonWriter"/> because the serializer's first use builds its
/// metadata for every type, which cost a CLI attach or detach process about a tenth of its CPU.
/// </summary>
internal static class ReplicaStateJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true };

    internal static byte[] Write(ReplicaStateRecord record) => Write(w => WriteRecord(w, record));

    internal static byte[] WriteFile(FileReplicaStateEnvelope envelope) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("generation"u8, envelope.Generation);
        w.WritePropertyName("record"u8);
        WriteRecord(w, envelope.Record);
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
            write(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteRecord(Utf8JsonWriter w, ReplicaStateRecord record)
    {
        w.WriteStartObject();
        w.WriteNumber("schema"u8, record.Schema);
        WriteStringUnlessNull(w, "volume_key"u8, record.VolumeKey);
        WriteStringUnlessNull(w, "alias"u8, record.Alias);
        WriteStringUnlessNull(w, "array_uuid"u8, record.ArrayUuid);
        w.WriteNumber("known_good_events"u8, record.KnownGoodEvents);
        if (record.Replicas is { } replicas)
        {
            w.WriteStartArray("replicas"u8);
            foreach (var entry in replicas)
                WriteEntry(w, entry);
            w.WriteEndArray();
        }
        if (record.Owner is { } owner)
        {
            w.WriteStartObject("owner"u8);
            WriteStringUnlessNull(w, "host_nqn"u8, owner.HostNqn);
            w.WriteString("attached_at"u8, owner.AttachedAt);
            w.WriteEndObject();
        }
        if (record.Notes is { } notes)
        {
            w.WriteStartArray("notes"u8);
            foreach (var note in notes)
                WriteNote(w, note);
            w.WriteEndArray();
        }
        w.WriteString("updated_at"u8, record.UpdatedAt);
        w.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter w, ReplicaStateEntry? entry)
    {
        if (entry is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        if (entry.Replica is { } replica)
        {
            w.WriteStartObject("replica"u8);
            w.WriteString("target_nqn"u8, replica.TargetNqn);
            w.WriteString("namespace"u8, replica.Namespace);
            w.WriteEndObject();
        }
        WriteCondition(w, entry.State);
        w.WriteString("since"u8, entry.Since);
        if (entry.FailedAtEvents is { } failedAt)
            w.WriteNumber("failed_at_events"u8, failedAt);
        if (entry.DevNumber is { } devNumber)
            w.WriteNumber("dev_number"u8, devNumber);
        w.WriteEndObject();
    }

    private static void WriteNote(Utf8JsonWriter w, ReplicaStateNote? note)
    {
        if (note is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("at"u8, note.At);
        WriteStringUnlessNull(w, "host_nqn"u8, note.HostNqn);
        WriteStringUnlessNull(w, "kind"u8, note.Kind);
        WriteStringUnlessNull(w, "text"u8, note.Text);
        w.WriteEndObject();
    }

    // The enum's name, as JsonStringEnumConverter writes it. A value without a name (only a cast makes one) is refused
    // rather than written as its number, which the reader would refuse: a record must never be written unreadable.
    private static void WriteCondition(Utf8JsonWriter w, ReplicaCondition state) =>
        w.WriteString("state"u8, ReplicaStateJsonReader.ConditionName(state)
            ?? throw new ArgumentOutOfRangeException(nameof(state), state, "a replica state without a name cannot be recorded"));

    private static void WriteStringUnlessNull(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
            w.WriteString(name, value);
    }
}
