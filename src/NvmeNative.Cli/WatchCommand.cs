using System.Runtime.InteropServices;
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
    internal static int Run(NvmeOfConnectorOptions? options, Parsed args, TextWriter stdout, TextWriter stderr)
    {
        using var stop = new CancellationTokenSource();
        // The signal is the way out: cancel the run and let it stop cleanly (threads joined, descriptors closed).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return Run(options, args, stdout, stderr, stop.Token);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Runs until <paramref name="stop"/> fires (the signal handlers above, or a test).</summary>
    internal static int Run(NvmeOfConnectorOptions? options, Parsed args, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        options ??= new NvmeOfConnectorOptions();
        bool json = args.Flag("--json");
        var logger = options.Logger is Microsoft.Extensions.Logging.Abstractions.NullLogger
            ? new StderrLogger(stderr, LogLevel.Warning)
            : options.Logger;
        var hook = args.Value("--on-event") is { } command
            ? (string.IsNullOrWhiteSpace(command) ? throw new UsageException("--on-event needs a command") : new EventProgramHook(command))
            : null;
        var monitorOptions = new ReplicaMonitorOptions
        {
            Paths = options.Paths,
            ReplicaStateStore = options.ReplicaStateStore
                ?? new FileReplicaStateStore(Path.Combine(options.Paths.VarLib, "nvmenative", "replicas")),
            Heal = args.Flag("--heal"),
            Hook = hook is null ? null : hook.RunAsync,
            Logger = logger,
        };
        var monitor = new ReplicaMonitor(monitorOptions);
        using var print = monitor.Subscribe(e =>
        {
            lock (stdout)
            {
                stdout.WriteLine(json ? e.ToJson() : e.ToString());
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
