namespace NvmeNative.Md;

/// <summary>
/// What an operation changed in the kernel so far, as undo steps. A failed operation runs them newest first and then
/// rethrows its original error; an undo step that fails too is attached to it, never hides it. Success discards them.
/// </summary>
internal sealed class UndoJournal
{
    private readonly Stack<(string What, Action Undo)> _steps = new();

    internal void Push(string what, Action undo) => _steps.Push((what, undo));

    internal void Discard() => _steps.Clear();

    /// <summary>Runs every undo step; returns the failures (empty when everything was undone).</summary>
    internal IReadOnlyList<Exception> Rollback()
    {
        var failures = new List<Exception>();
        while (_steps.TryPop(out var step))
        {
            try
            {
                step.Undo();
            }
            catch (Exception e)
            {
                failures.Add(new MdException($"rollback step failed: {step.What}", "rollback", innerException: e));
            }
        }
        return failures;
    }

    /// <summary>Rolls back and returns the exception to throw: the original, or an aggregate naming the undo failures too.</summary>
    internal Exception RollbackAfter(Exception original)
    {
        var failures = Rollback();
        if (failures.Count == 0)
            return original;
        return new AggregateException($"{original.Message} (and the rollback failed: {string.Join("; ", failures.Select(f => f.InnerException?.Message))})",
            [original, .. failures]);
    }
}
