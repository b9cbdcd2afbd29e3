using Microsoft.Extensions.Logging;

namespace NvmeNative.Cli;

/// <summary>
/// Progress for a person at a terminal (stderr is a tty and no <c>-v</c>): only the library's information events
/// that announce a wait a person would otherwise sit through in silence, a controller still reconnecting and a
/// replica being rebuilt, one line each. The library has no progress hook; these events are already logged.
/// </summary>
internal sealed class ProgressLogger(TextWriter stderr) : ILogger
{
    // The source-generated LoggerMessage methods name their events after themselves.
    private static readonly HashSet<string> ProgressEvents = new(StringComparer.Ordinal) { "WaitingForReconnect", "Healing" };

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel) || eventId.Name is null || !ProgressEvents.Contains(eventId.Name))
            return;
        lock (stderr)
            stderr.WriteLine($"nvmenative: {formatter(state, exception)}");
    }
}
