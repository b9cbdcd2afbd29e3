using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>
/// What a host knew about a replicated volume at its last known-good point, kept outside the replicas so that a
/// stale replica can be recognised even when its own md superblock still shows every member active. Immutable:
/// every change makes a new record (the <c>With…</c> methods), written with compare-and-swap.
/// </summary>
public sealed record ReplicaStateRecord
{
    /// <summary>The schema this library writes; a record with a higher one was written by a newer version and is refused.</summary>
    public const int CurrentSchema = 1;

    /// <summary>Notes kept at most; older ones are dropped first.</summary>
    public const int MaxNotes = 32;

    /// <summary>The record's schema version.</summary>
    public int Schema { get; init; } = CurrentSchema;

    /// <summary>The volume's key (<see cref="ReplicaState.VolumeKey.Value"/>).</summary>
    public required string VolumeKey { get; init; }

    /// <summary>The alias, for a person reading the store.</summary>
    public required string Alias { get; init; }

    /// <summary>The md array uuid (32 lower-case hex digits) once the array exists, else null.</summary>
    public string? ArrayUuid { get; init; }

    /// <summary>The array's event count at the last known-good point: a replica below it missed writes.</summary>
    public ulong KnownGoodEvents { get; init; }

    /// <summary>Every replica's state, one entry per replica of the key.</summary>
    public required IReadOnlyList<ReplicaStateEntry> Replicas { get; init; }

    /// <summary>The host that has the volume attached, or null when it is detached.</summary>
    public ReplicaOwner? Owner { get; init; }

    /// <summary>Audit notes (overrides, takeovers), oldest first, at most <see cref="MaxNotes"/>.</summary>
    public IReadOnlyList<ReplicaStateNote> Notes { get; init; } = [];

    /// <summary>When the record was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>A first record for <paramref name="key"/>: every replica in sync, no array yet, no owner.</summary>
    public static ReplicaStateRecord New(VolumeKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ReplicaStateRecord
        {
            VolumeKey = key.Value,
            Alias = key.Alias,
            Replicas = key.Replicas.Select(r => new ReplicaStateEntry(r, ReplicaCondition.InSync, now)).ToList(),
            UpdatedAt = now,
        };
    }

    /// <summary>The entry of <paramref name="replica"/>, or null when the record does not list it.</summary>
    public ReplicaStateEntry? EntryOf(ReplicaIdentity replica) => Replicas.FirstOrDefault(e => e.Replica == replica);

    /// <summary>This record with the array uuid and known-good event count set.</summary>
    public ReplicaStateRecord WithArray(string arrayUuid, ulong knownGoodEvents, DateTimeOffset now) =>
        this with { ArrayUuid = NormalizeArrayUuid(arrayUuid), KnownGoodEvents = knownGoodEvents, UpdatedAt = now };

    /// <summary>This record with <paramref name="replica"/>'s entry replaced (its <c>Since</c> kept when the state does not change).</summary>
    /// <exception cref="ArgumentException">The record does not list <paramref name="replica"/>.</exception>
    public ReplicaStateRecord WithReplica(ReplicaIdentity replica, ReplicaCondition state, DateTimeOffset now,
        ulong? failedAtEvents = null, int? devNumber = null)
    {
        var old = EntryOf(replica) ?? throw new ArgumentException($"the record of {VolumeKey} does not list {replica}", nameof(replica));
        var entry = new ReplicaStateEntry(replica, state, old.State == state ? old.Since : now,
            state == ReplicaCondition.Failed ? failedAtEvents ?? old.FailedAtEvents : null, devNumber ?? old.DevNumber);
        return this with { Replicas = Replicas.Select(e => e.Replica == replica ? entry : e).ToList(), UpdatedAt = now };
    }

    /// <summary>This record with <paramref name="owner"/> (null: detached).</summary>
    public ReplicaStateRecord WithOwner(ReplicaOwner? owner, DateTimeOffset now) => this with { Owner = owner, UpdatedAt = now };

    /// <summary>This record with <paramref name="note"/> appended (the oldest dropped beyond <see cref="MaxNotes"/>).</summary>
    public ReplicaStateRecord WithNote(ReplicaStateNote note, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(note);
        return this with { Notes = Notes.Append(note).TakeLast(MaxNotes).ToList(), UpdatedAt = now };
    }

    /// <summary>
    /// The md array uuid as 32 lower-case hex digits, from any usual spelling (mdadm's colon groups, the kernel's
    /// 8-4-4-4-12, bare hex).
    /// </summary>
    /// <exception cref="InvalidInputException">Not 32 hex digits.</exception>
    public static string NormalizeArrayUuid(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        var hex = new System.Text.StringBuilder(32);
        foreach (char c in uuid)
        {
            if (char.IsAsciiHexDigit(c))
                hex.Append(char.ToLowerInvariant(c));
            else if (c is not (':' or '-' or '.'))
                throw new InvalidInputException($"'{uuid}' is not an md uuid", "replica state", "array_uuid");
        }
        return hex.Length == 32 ? hex.ToString() : throw new InvalidInputException($"'{uuid}' is not an md uuid (32 hex digits)", "replica state", "array_uuid");
    }

    /// <summary>Checks what a record read from a store must satisfy; throws <see cref="ReplicaStateCorruptException"/> otherwise.</summary>
    internal void Validate(string source)
    {
        if (Schema > CurrentSchema)
            throw new ReplicaStateCorruptException($"the record has schema {Schema}; this version reads up to {CurrentSchema} (written by a newer NvmeNative?)", source);
        if (Schema < 1 || string.IsNullOrEmpty(VolumeKey) || Alias is null || Replicas is null || Notes is null)
            throw new ReplicaStateCorruptException("the record lacks required fields", source);
        if (Replicas.Any(r => r is null) || Replicas.Select(r => r.Replica).Distinct().Count() != Replicas.Count)
            throw new ReplicaStateCorruptException("the record lists a replica twice or an empty entry", source);
        if (ArrayUuid is not null && (ArrayUuid.Length != 32 || !ArrayUuid.All(char.IsAsciiHexDigitLower)))
            throw new ReplicaStateCorruptException($"array uuid '{ArrayUuid}' is not 32 lower-case hex digits", source);
    }
}
