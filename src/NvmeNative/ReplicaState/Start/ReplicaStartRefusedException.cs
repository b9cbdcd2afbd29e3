using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>
/// The start rule refused to start a replicated volume: starting could serve stale data (the reachable replicas
/// are not the current ones, or cannot prove they are), or the replicas have diverged (split brain). The message
/// names every left-out replica and why; <see cref="Decision"/> has the details. The override
/// (<c>allow_stale_start</c>, <c>--force</c>) starts anyway.
/// </summary>
public sealed class ReplicaStartRefusedException : NvmeNativeException
{
    /// <summary>Creates the refusal from a refused decision.</summary>
    /// <param name="decision">The refused decision.</param>
    /// <param name="alias">The volume's alias, for the message.</param>
    public ReplicaStartRefusedException(StartDecision decision, string? alias = null)
        : base((decision ?? throw new ArgumentNullException(nameof(decision))).Message, "start replicated volume",
            string.IsNullOrEmpty(alias) ? null : "/dev/md/" + alias)
    {
        Decision = decision;
    }

    /// <summary>The refused decision.</summary>
    public StartDecision Decision { get; }

    /// <summary>The replicas left out, with reasons.</summary>
    public IReadOnlyList<ReplicaLeftOut> LeftOut => Decision.LeftOut;
}
