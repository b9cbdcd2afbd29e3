namespace NvmeNative.Errors;

/// <summary>
/// The undo steps of one operation that changes the kernel, pushed as each change is made (controller created →
/// delete it; array started → stop it; link made → remove it). On failure they run newest first, each attempted even
/// when an earlier one failed, except after a failed gate (<see cref="PushGate"/>); on success the journal is dropped
/// (or <see cref="Discard"/>ed). This is what makes a failed operation undo exactly what it did and nothing else. The
/// connector and md share it.
/// </summary>
internal sealed class UndoJournal
{
    private readonly Stack<(string Description, Action Undo, bool Gate)> _steps = new();

    /// <summary>Records how to undo a change just made; <paramref name="description"/> says what the undo does ("deleted controller nvme3").</summary>
    internal void Push(string description, Action undo) => _steps.Push((description, undo, false));

    /// <summary>
    /// Records an undo that every earlier step depends on: if it fails, the rollback stops there and the earlier steps
    /// are reported as not attempted (with why). An md array started over controllers this operation created is such a
    /// step: while the array runs, deleting its members' controllers would pull its mirrors from under it.
    /// </summary>
    internal void PushGate(string description, Action undo) => _steps.Push((description, undo, true));

    internal bool IsEmpty => _steps.Count == 0;

    /// <summary>Forgets every step: the operation succeeded and its changes stay.</summary>
    internal void Discard() => _steps.Clear();

    /// <summary>Moves every step of <paramref name="later"/> onto this journal, keeping their order (they undo first).</summary>
    internal void Append(UndoJournal later)
    {
        foreach (var step in later._steps.Reverse())
            _steps.Push(step);
        later._steps.Clear();
    }

    /// <summary>
    /// Runs every step, newest first; says what was undone and what failed to undo. After a gate that failed, the rest
    /// are not run: each is reported as failed, naming the gate.
    /// </summary>
    internal RollbackReport Rollback()
    {
        var done = new List<string>();
        var failed = new List<string>();
        string? blockedBy = null;
        while (_steps.TryPop(out var step))
        {
            if (blockedBy is not null)
            {
                failed.Add($"{step.Description}: not attempted, because {blockedBy}");
                continue;
            }
            try
            {
                step.Undo();
                done.Add(step.Description);
            }
            catch (Exception e) // every step is attempted: one that fails (an I/O error on a file too) must not stop the rest
            {
                failed.Add($"{step.Description}: {e.Message}");
                if (step.Gate)
                    blockedBy = $"the step it depends on failed ({step.Description}: {e.Message})";
            }
        }
        return new RollbackReport(done, failed);
    }

    /// <summary>
    /// Rolls back after <paramref name="original"/> failed the operation and returns what to throw: the original when
    /// the rollback was complete (or the failure was a cancellation), else a <see cref="RollbackIncompleteException"/>
    /// that carries the original and names what could not be undone.
    /// </summary>
    internal Exception RollbackAfter(Exception original)
    {
        var report = Rollback();
        if (report.Failed.Count == 0 || original is OperationCanceledException)
            return original;
        var cause = original as NvmeNativeException ?? new NvmeNativeException(original.Message, "rollback", innerException: original);
        return new RollbackIncompleteException(cause, report);
    }
}

/// <summary>What a rollback undid, and the undo steps that failed themselves (with why).</summary>
public sealed record RollbackReport(IReadOnlyList<string> Undone, IReadOnlyList<string> Failed);
