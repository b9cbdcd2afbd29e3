using NvmeNative.Diagnostics;
using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>
/// Runs an attach with a fresh undo journal: if it fails or is cancelled, every change it journaled is undone
/// (newest first) and logged; a failure is then thrown as <see cref="AttachFailedException"/> listing what was
/// undone, a cancellation is rethrown as it is.
/// </summary>
internal static class AttachRollback
{
    internal static async ValueTask<T> RunAsync<T>(ConnectorContext context, string subject, string operation,
        Func<UndoJournal, ValueTask<T>> attach)
    {
        var journal = new UndoJournal();
        try
        {
            return await attach(journal).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var report = Undo(journal);
            bool cancelled = e is OperationCanceledException;
            Log(context, subject, cancelled ? "cancelled" : e.Message, report);
            if (cancelled)
                throw;
            throw new AttachFailedException(AsNvmeNative(e, operation), report.Undone, report.Failed);
        }
    }

    /// <summary>
    /// Runs the journal's undo steps in a <see cref="Telemetry.Activities.Rollback"/> span and counts the rollback (nothing is
    /// counted when nothing had changed). The steps are short kernel calls (delete a controller, stop an array, remove a link) and run to the end whatever the
    /// caller's token says: a rollback that stopped half way would leave what it was meant to remove.
    /// </summary>
    internal static RollbackReport Undo(UndoJournal journal)
    {
        if (journal.IsEmpty)
            return journal.Rollback(); // nothing was changed: no rollback to count
        using var span = Spans.Start(Telemetry.Activities.Rollback);
        var report = journal.Rollback();
        if (span is not null && report.Failed.Count > 0)
            span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"{report.Failed.Count} undo steps failed");
        Spans.Count(Telemetry.Rollbacks, Telemetry.Tags.Outcome, report.Failed.Count == 0 ? Spans.Success : Spans.Failure);
        return report;
    }

    internal static void Log(ConnectorContext context, string subject, string reason, RollbackReport report) =>
        ConnectorLog.RolledBack(context.Log, subject, reason, report.Undone.Count == 0 ? "nothing" : string.Join(", ", report.Undone),
            report.Failed.Count == 0 ? "nothing" : string.Join("; ", report.Failed));

    /// <summary>An unexpected failure (an I/O error on a file, say) as a member of the exception family, keeping it as the cause.</summary>
    private static NvmeNativeException AsNvmeNative(Exception e, string operation) =>
        e as NvmeNativeException ?? new NvmeNativeException(e.Message, operation, innerException: e);
}
