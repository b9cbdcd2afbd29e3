using Microsoft.Extensions.Logging;
using NvmeNative.Connector;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;

namespace NvmeNative.Cli;

/// <summary>
/// <c>nvmenative watch [--json] [--heal] [--on-event CMD] [--state-store URI]</c>: runs the replica monitor until
/// SIGINT or SIGTERM, printing one line per event (a JSON object with <c>--json</c>), then exits 0. Warnings (a hook
/// that failed, a record that could not be written) go to stderr.
/// </summary>
internal static class WatchCommand
{
    /// <summary>What <c>watch</c> was asked for.</summary>
    internal sealed record Settings(bool Json, bool Heal, string? OnEvent);

    /// <summary>
    /// Runs until <paramref name="stop"/> fires (SIGINT or SIGTERM through <see cref="SignalCancellation"/>, or a
    /// test), then returns 0: for <c>watch</c> the signal is the way out, not a failure.
    /// </summary>
    internal static int Run(NvmeOfConnectorOptions? options, Settings settings, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        options ??= new NvmeOfConnectorOptions();
        var logger = options.Logger is Microsoft.Extensions.Logging.Abstractions.NullLogger
            ? new StderrLogger(stderr, LogLevel.Warning)
            : options.Logger;
        var hook = settings.OnEvent is { } command
            ? (string.IsNullOrWhiteSpace(command) ? throw new UsageException("--on-event needs a command") : new EventProgramHook(command))
            : null;
        var monitorOptions = new ReplicaMonitorOptions
        {
            Paths = options.Paths,
            ReplicaStateStore = options.ReplicaStateStore
                ?? new FileReplicaStateStore(Path.Combine(options.Paths.VarLib, "nvmenative", "replicas")),
            Heal = settings.Heal,
            Hook = hook is null ? null : hook.RunAsync,
            Logger = logger,
        };
        var monitor = new ReplicaMonitor(monitorOptions);
        using var print = monitor.Subscribe(e =>
        {
            lock (stdout)
            {
                stdout.WriteLine(settings.Json ? e.ToJson() : e.ToString());
                stdout.Flush();
            }
        });
        try
        {
            monitor.RunAsync(stop).GetAwaiter().GetResult();
        }
        finally
        {
            monitor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return CliApp.Ok;
    }
}
