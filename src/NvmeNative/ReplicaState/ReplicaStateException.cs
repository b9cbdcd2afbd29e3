using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>A replica-state store failed; the subclasses say how. <see cref="NvmeNativeException.Path"/> names the store.</summary>
public class ReplicaStateException : NvmeNativeException
{
    /// <summary>Creates a store failure.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="operation">What was being done, e.g. "replica state compare-and-swap".</param>
    /// <param name="store">The store's description (and key), e.g. "file:/var/lib/nvmenative/replicas".</param>
    /// <param name="innerException">The cause, if any.</param>
    public ReplicaStateException(string message, string operation, string? store, Exception? innerException = null)
        : base(message, operation, store, (innerException as NvmeNativeException)?.ErrnoValue, null, innerException)
    {
    }
}

/// <summary>
/// A compare-and-swap lost: someone else wrote the record since it was read (or created it first). Read it again,
/// apply the change again, retry (<see cref="ReplicaStateUpdate"/> does that).
/// </summary>
public sealed class ReplicaStateConflictException : ReplicaStateException
{
    /// <summary>Creates a conflict.</summary>
    /// <param name="key">The volume key.</param>
    /// <param name="expected">The version the writer expected (null: expected no record).</param>
    /// <param name="actual">The version found (null: no record).</param>
    /// <param name="store">The store's description.</param>
    public ReplicaStateConflictException(string key, ReplicaStateVersion? expected, ReplicaStateVersion? actual, string store)
        : base($"the record of {key} changed: expected {Describe(expected)}, found {Describe(actual)}", "replica state compare-and-swap", store)
    {
        Key = key;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The volume key.</summary>
    public string Key { get; }

    /// <summary>The version expected (null: none).</summary>
    public ReplicaStateVersion? Expected { get; }

    /// <summary>The version found (null: none; also null when the store does not report it).</summary>
    public ReplicaStateVersion? Actual { get; }

    private static string Describe(ReplicaStateVersion? v) => v is { } x ? "version " + x : "no record";
}

/// <summary>The store could not be reached or did not answer in time (etcd down, a lock held too long, an I/O error).</summary>
public sealed class ReplicaStateUnavailableException : ReplicaStateException
{
    /// <summary>Creates an unavailable-store failure.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="operation">What was being done.</param>
    /// <param name="store">The store's description.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ReplicaStateUnavailableException(string message, string operation, string store, Exception? innerException = null)
        : base(message, operation, store, innerException)
    {
    }
}

/// <summary>A stored record cannot be read: not valid JSON, missing fields, or a schema newer than this version knows. It is never overwritten silently.</summary>
public sealed class ReplicaStateCorruptException : ReplicaStateException
{
    /// <summary>Creates a corrupt-record failure.</summary>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="source">Where it was read from (store and key).</param>
    /// <param name="innerException">The cause, if any.</param>
    public ReplicaStateCorruptException(string message, string source, Exception? innerException = null)
        : base(message, "read replica state", source, innerException)
    {
    }
}
