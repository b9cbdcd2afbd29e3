using Microsoft.Extensions.Logging;

namespace NvmeNative.Cli;

/// <summary>
/// <c>--verbose</c>: the library's log lines on stderr (stdout stays one JSON value), one line each, as
/// <c>nvmenative: info: ...</c>. A few lines per operation: a logging framework would cost start-up time.
/// </summary>
internal sealed class StderrLogger(TextWriter stderr, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        string level = logLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warning",
            LogLevel.Error => "error",
            _ => "critical",
        };
        lock (stderr)
            stderr.WriteLine($"nvmenative: {level}: {formatter(state, exception)}");
    }
}
