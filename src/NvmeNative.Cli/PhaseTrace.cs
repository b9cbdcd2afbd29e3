using System.Diagnostics;
using NvmeNative.Diagnostics;

namespace NvmeNative.Cli;

/// <summary>
/// <c>-vv</c>: each phase of the library's work (its activities, <see cref="Telemetry.Activities"/>) as it starts and
/// ends, one line each on stderr (<c>nvmenative: debug: phase nvmenative.fabrics.connect started</c>), so a slow or
/// stuck attach shows where it is. Only activity names, durations and error kinds are printed: the library keeps
/// secrets out of activities, and their tags (NQNs, devices) are in the log lines already.
/// </summary>
internal sealed class PhaseTrace : IDisposable
{
    // Listeners are process-wide: only the activities of the command that started this trace (its async flow) are
    // printed, not those of another run in the same process (the unit tests run several CLIs at once).
    private static readonly AsyncLocal<PhaseTrace?> Current = new();
    private readonly ActivityListener _listener;

    private PhaseTrace(TextWriter stderr)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a => WriteIfMine(stderr, $"phase {a.OperationName} started"),
            ActivityStopped = a => WriteIfMine(stderr, $"phase {a.OperationName} {Outcome(a)} ({a.Duration.TotalMilliseconds:0} ms)"),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Prints the phases of the work the caller's flow does from now until disposed.</summary>
    internal static PhaseTrace Start(TextWriter stderr)
    {
        var trace = new PhaseTrace(stderr);
        Current.Value = trace;
        return trace;
    }

    private static string Outcome(Activity a) =>
        a.Status == ActivityStatusCode.Error ? $"failed: {a.GetTagItem(Telemetry.Tags.ErrorType) ?? "error"}" : "ended";

    private void WriteIfMine(TextWriter stderr, string line)
    {
        if (Current.Value != this)
            return;
        lock (stderr)
            stderr.WriteLine($"nvmenative: debug: {line}");
    }

    public void Dispose() => _listener.Dispose();
}
