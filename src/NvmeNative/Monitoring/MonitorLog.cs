using Microsoft.Extensions.Logging;

namespace NvmeNative.Monitoring;

/// <summary>What the monitor logs, through source-generated <see cref="LoggerMessage"/> methods.</summary>
internal static partial class MonitorLog
{
    [LoggerMessage(1, LogLevel.Information, "Replica monitor started: {Arrays} md array(s), {Controllers} NVMe controller(s), records in {Store}")]
    internal static partial void Started(ILogger logger, int arrays, int controllers, string store);

    [LoggerMessage(2, LogLevel.Information, "Replica monitor stopped")]
    internal static partial void Stopped(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "{Event}")]
    internal static partial void Event(ILogger logger, string @event);

    [LoggerMessage(4, LogLevel.Warning, "Writing {Event} to the record of {Volume} in {Store} failed (retried at the next change): {Reason}")]
    internal static partial void RecordWriteFailed(ILogger logger, string @event, string volume, string store, string reason);

    [LoggerMessage(5, LogLevel.Warning, "The notification hook failed for {Event} (attempt {Attempt} of {MaxAttempts}): {Reason}")]
    internal static partial void HookFailed(ILogger logger, string @event, int attempt, int maxAttempts, string reason);

    [LoggerMessage(6, LogLevel.Warning, "The notification hook's queue is full: dropped {Event}")]
    internal static partial void HookDropped(ILogger logger, string @event);

    [LoggerMessage(7, LogLevel.Warning, "{Message}")]
    internal static partial void Warning(ILogger logger, string message);

    [LoggerMessage(8, LogLevel.Error, "Observing the host failed (tried again at the next notification): {Reason}")]
    internal static partial void ObserveFailed(ILogger logger, string reason);

    [LoggerMessage(9, LogLevel.Information, "Healing {Array}: {Action} {Device} ({Reason})")]
    internal static partial void Healing(ILogger logger, string array, string action, string device, string reason);

    [LoggerMessage(10, LogLevel.Warning, "An event subscriber failed on {Event}: {Reason}")]
    internal static partial void SubscriberFailed(ILogger logger, string @event, string reason);
}
