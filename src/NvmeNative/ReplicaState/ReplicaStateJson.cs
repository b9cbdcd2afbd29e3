using System.Text.Json;
using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>
/// The JSON form of a <see cref="ReplicaStateRecord"/>, the same in every store (snake_case keys, enums as
/// strings, a <c>schema</c> number), written and read by hand on System.Text.Json's Utf8JsonWriter and Utf8JsonReader
/// (<see cref="ReplicaStateJsonWriter"/>, <see cref="ReplicaStateJsonReader"/>): no reflection and no serializer metadata.
/// </summary>
public static class ReplicaStateJson
{
    /// <summary>Records larger than this are refused on read (a record is a few KiB).</summary>
    public const int MaxRecordBytes = 1 << 20;

    /// <summary>The record as UTF-8 JSON.</summary>
    public static byte[] Serialize(ReplicaStateRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ReplicaStateJsonWriter.Write(record);
    }

    /// <summary>Reads a record written by <see cref="Serialize"/> and checks it.</summary>
    /// <param name="utf8Json">The stored bytes.</param>
    /// <param name="source">Where they came from (store and key), for the error.</param>
    /// <exception cref="ReplicaStateCorruptException">Not a valid record, or a newer schema.</exception>
    public static ReplicaStateRecord Deserialize(ReadOnlySpan<byte> utf8Json, string source)
    {
        if (utf8Json.Length > MaxRecordBytes)
            throw new ReplicaStateCorruptException($"the record has {utf8Json.Length} bytes, more than {MaxRecordBytes}", source);
        ReplicaStateRecord record;
        try
        {
            record = ReplicaStateJsonReader.ReadRecord(utf8Json);
        }
        catch (Exception e) when (e is JsonException or InvalidInputException)
        {
            throw new ReplicaStateCorruptException("the record is not valid: " + e.Message, source, e);
        }
        record.Validate(source);
        return record;
    }

    internal static byte[] SerializeFile(FileReplicaStateEnvelope envelope) =>
        ReplicaStateJsonWriter.WriteFile(envelope);

    internal static FileReplicaStateEnvelope DeserializeFile(ReadOnlySpan<byte> utf8Json, string source)
    {
        FileReplicaStateEnvelope? envelope;
        try
        {
            envelope = ReplicaStateJsonReader.ReadFile(utf8Json);
        }
        catch (Exception e) when (e is JsonException or InvalidInputException)
        {
            throw new ReplicaStateCorruptException("the record file is not valid: " + e.Message, source, e);
        }
        if (envelope?.Record is null || envelope.Generation < 1)
            throw new ReplicaStateCorruptException("the record file lacks its generation or record", source);
        envelope.Record.Validate(source);
        return envelope;
    }
}

/// <summary>A record file's content: the record and the generation its compare-and-swap compares.</summary>
/// <param name="Generation">Bumped by every write, starting at 1.</param>
/// <param name="Record">The record.</param>
internal sealed record FileReplicaStateEnvelope(long Generation, ReplicaStateRecord Record);
