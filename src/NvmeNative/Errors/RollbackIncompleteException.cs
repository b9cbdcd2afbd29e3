namespace NvmeNative.Errors;

/// <summary>
/// An operation failed and its rollback could not undo everything it had changed: <see cref="Exception.InnerException"/>
/// is the failure, <see cref="Rollback"/> names what was undone and what is left (so a person can clean it up).
/// </summary>
public sealed class RollbackIncompleteException : NvmeNativeException
{
    internal RollbackIncompleteException(NvmeNativeException cause, RollbackReport rollback)
        : base($"{cause.Message}; the rollback FAILED for: {string.Join("; ", rollback.Failed)}",
            cause.Operation, cause.Path, cause.ErrnoValue, cause.ConnectString, cause)
    {
        Rollback = rollback;
    }

    /// <summary>What the rollback undid and what it could not.</summary>
    public RollbackReport Rollback { get; }
}
