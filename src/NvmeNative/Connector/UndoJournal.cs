namespace NvmeNative.Connector;

/// <summary>
/// The undo steps of one attach, pushed as each kernel change is made (controller created → delete it).
/// On failure they run in reverse, each attempted even if an earlier one failed; on success the journal
/// is simply dropped. This is what makes a failed attach undo exactly what it did and nothing else.
/// </summary>
internal sealed class UndoJournal
{
    private readonly Stack<(string Description, Action Undo)> _steps = new();

    internal void Push(string description, Action undo) => _steps.Push((description, undo));

    internal bool IsEmpty => _steps.Count == 0;

    /// <summary>Moves every step of <paramref name="later"/> onto this journal, keeping their order (they undo first).</summary>
    internal void Append(UndoJournal later)
    {
        foreach (var step in later._steps.Reverse())
            _steps.Push(step);
        later._steps.Clear();
    }

    /// <summary>Runs every step, newest first; returns what was undone and what failed to undo.</summary>
    internal (List<string> Done, List<string> Failed) Rollback()
    {
        var done = new List<string>();
        var failed = new List<string>();
        while (_steps.TryPop(out var step))
        {
            try
            {
                step.Undo();
                done.Add(step.Description);
            }
            catch (Exception e) // every step is attempted: one that fails (an I/O error on a file too) must not stop the rest
            {
                failed.Add($"{step.Description}: {e.Message}");
            }
        }
        return (done, failed);
    }
}
