using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>
/// An attach failed and was rolled back: every controller the attach created has been deleted, and nothing
/// it did not create was touched. <see cref="Exception.InnerException"/> is the failure itself.
/// </summary>
public sealed class AttachFailedException : NvmeNativeException
{
    internal AttachFailedException(NvmeNativeException cause, IReadOnlyList<string> rolledBack, IReadOnlyList<string> rollbackFailures)
        : base(Describe(cause, rolledBack, rollbackFailures), cause.Operation, cause.Path, cause.ErrnoValue, cause.ConnectString, cause)
    {
        RolledBack = rolledBack;
        RollbackFailures = rollbackFailures;
    }

    /// <summary>What the rollback undid (e.g. "deleted controller nvme3").</summary>
    public IReadOnlyList<string> RolledBack { get; }

    /// <summary>Undo steps that failed themselves (empty when the rollback was complete).</summary>
    public IReadOnlyList<string> RollbackFailures { get; }

    private static string Describe(NvmeNativeException cause, IReadOnlyList<string> rolledBack, IReadOnlyList<string> failures)
    {
        string undone = rolledBack.Count == 0 ? "nothing to roll back" : "rolled back: " + string.Join("; ", rolledBack);
        string left = failures.Count == 0 ? "" : "; rollback FAILED for: " + string.Join("; ", failures);
        // The cause's message already starts with its operation and path; keep it whole after ours.
        return $"attach failed ({undone}{left}): {cause.Message}";
    }
}
