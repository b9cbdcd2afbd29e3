using Microsoft.Extensions.Hosting;
using NvmeNative.Monitoring;

namespace NvmeNative.Extensions.DependencyInjection;

/// <summary>
/// The <see cref="ReplicaMonitor"/> as a hosted service: it starts with the host (after the host's other start-up work:
/// the first read of the host runs off the start-up path) and stops with it, delivering what its hook has queued.
/// </summary>
public sealed class ReplicaMonitorService(ReplicaMonitor monitor) : BackgroundService
{
    /// <summary>The monitor it runs (subscribe to it, or read its events).</summary>
    public ReplicaMonitor Monitor { get; } = monitor;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await Monitor.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
