using System.Diagnostics;
using System.Diagnostics.Metrics;
using NvmeNative.Errors;

namespace NvmeNative.Diagnostics;

/// <summary>
/// How the layers report to <see cref="Telemetry"/>. Every helper does nothing (and allocates nothing) while nobody
/// listens: <see cref="Start"/> returns null, and the callers set tags through <c>?.</c> or after a null check.
/// </summary>
internal static class Spans
{
    internal const string Success = "success";
    internal const string Failure = "failure";
    internal const string Cancelled = "cancelled";

    /// <summary>Starts a span as a child of the current one, or returns null when no listener wants it.</summary>
    internal static Activity? Start(string name) => Telemetry.Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>
    /// Starts a phase that is also a cancellation point: when <paramref name="ct"/> has fired (a listener may fire it as
    /// the span starts), the span ends as cancelled and <see cref="OperationCanceledException"/> is thrown before the
    /// phase changes anything.
    /// </summary>
    internal static Activity? StartPhase(string name, CancellationToken ct)
    {
        var span = Start(name);
        if (ct.IsCancellationRequested)
        {
            var cancelled = new OperationCanceledException(ct);
            span.Failed(cancelled);
            span?.Dispose();
            throw cancelled;
        }
        return span;
    }

    /// <summary>
    /// Marks the span failed with the error's kind and errno; returns false, so it can sit in an exception filter
    /// (<c>catch (Exception e) when (span.Failed(e))</c>) that records the failure without catching it.
    /// </summary>
    internal static bool Failed(this Activity? activity, Exception e)
    {
        if (activity is null)
            return false;
        if (e is OperationCanceledException)
        {
            activity.SetTag(Telemetry.Tags.ErrorType, Cancelled);
            activity.SetStatus(ActivityStatusCode.Error, Cancelled);
            return false;
        }
        activity.SetTag(Telemetry.Tags.ErrorType, e.GetType().Name);
        if (e is NvmeNativeException { ErrnoName: { } errno })
            activity.SetTag(Telemetry.Tags.Errno, errno);
        // Messages of the exception family are redacted where they are made; anything else is redacted here.
        activity.SetStatus(ActivityStatusCode.Error, SecretRedactor.RedactFreeText(e.Message));
        return false;
    }

    /// <summary>The outcome tag of an operation that ended with <paramref name="error"/> (null: it succeeded).</summary>
    internal static string OutcomeOf(Exception? error) =>
        error is null ? Success : error is OperationCanceledException ? Cancelled : Failure;

    /// <summary>Records an operation's duration since <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    internal static void RecordDuration(Histogram<double> histogram, long startTimestamp, Exception? error, bool replicated)
    {
        if (!histogram.Enabled)
            return;
        histogram.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>(Telemetry.Tags.Outcome, OutcomeOf(error)),
            new KeyValuePair<string, object?>(Telemetry.Tags.Replicated, replicated));
    }

    /// <summary>Adds one to <paramref name="counter"/> with one tag.</summary>
    internal static void Count(Counter<long> counter, string tag, object? value)
    {
        if (counter.Enabled)
            counter.Add(1, new KeyValuePair<string, object?>(tag, value));
    }
}
