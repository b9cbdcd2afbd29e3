namespace NvmeNative.ReplicaState;

/// <summary>
/// The start rule's answer: allowed (by <see cref="Rule"/>, from <see cref="Sources"/>) or refused
/// (<see cref="Message"/> says why), with every replica that is not a source in <see cref="LeftOut"/>.
/// </summary>
public sealed record StartDecision
{
    /// <summary>True when the volume may be started.</summary>
    public required bool Allowed { get; init; }

    /// <summary>The rule that allowed it; null when refused.</summary>
    public StartRuleKind? Rule { get; init; }

    /// <summary>Indexes (in <c>volume_replicas</c>) of the replicas to start from; empty when refused.</summary>
    public IReadOnlyList<int> Sources { get; init; } = [];

    /// <summary>Indexes of the replicas to re-add (rebuild from the sources) after the start.</summary>
    public IReadOnlyList<int> ReAdd => LeftOut.Where(l => l.ReAdd).Select(l => l.Index).ToList();

    /// <summary>Every listed replica that is not a source, with its reason, in index order.</summary>
    public IReadOnlyList<ReplicaLeftOut> LeftOut { get; init; } = [];

    /// <summary>The md array uuid (32 hex digits) the sources carry; null for a new volume or a refusal without one.</summary>
    public string? ArrayUuid { get; init; }

    /// <summary>The freshest source's event count; null for a new volume or a refusal.</summary>
    public ulong? Events { get; init; }

    /// <summary>True when fewer sources than replica_count: the array starts degraded.</summary>
    public bool Degraded { get; init; }

    /// <summary>For <see cref="StartRuleKind.Override"/>: the refusal the override overrode (to log and record).</summary>
    public string? OverriddenRefusal { get; init; }

    /// <summary>Why it was allowed or refused, naming every left-out replica and its reason.</summary>
    public required string Message { get; init; }

    /// <summary>Throws <see cref="ReplicaStartRefusedException"/> when refused; returns this decision otherwise.</summary>
    public StartDecision ThrowIfRefused(string? alias = null) => Allowed ? this : throw new ReplicaStartRefusedException(this, alias);
}
