using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>
/// Runs an attach with a fresh undo journal: if it fails or is cancelled, every change it journaled is undone
/// (newest first) and logged; a failure is then thrown as <see cref="AttachFailedException"/> listing what was
/// undone, a cancellation is rethrown as it is.
/// </summary>
internal static class AttachRollback
{
    internal static T Run<T>(ConnectorContext context, string subject, string operation, Func<UndoJournal, T> attach)
    {
        var journal = new UndoJournal();
        try
        {
            return attach(journal);
        }
        catch (Exception e)
        {
            var report = journal.Rollback();
            bool cancelled = e is OperationCanceledException;
            Log(context, subject, cancelled ? "cancelled" : e.Message, report);
            if (cancelled)
                throw;
            throw new AttachFailedException(AsNvmeNative(e, operation), report.Undone, report.Failed);
        }
    }

    internal static void Log(ConnectorContext context, string subject, string reason, RollbackReport report) =>
        ConnectorLog.RolledBack(context.Log, subject, reason, report.Undone.Count == 0 ? "nothing" : string.Join(", ", report.Undone),
            report.Failed.Count == 0 ? "nothing" : string.Join("; ", report.Failed));

    /// <summary>An unexpected failure (an I/O error on a file, say) as a member of the exception family, keeping it as the cause.</summary>
    private static NvmeNativeException AsNvmeNative(Exception e, string operation) =>
        e as NvmeNativeException ?? new NvmeNativeException(e.Message, operation, innerException: e);
}
