using Microsoft.Extensions.Logging;
using NvmeNative.Cli;
using NvmeNative.Connector;

namespace NvmeNative.Tests.Cli;

/// <summary>Progress at a terminal: the waits a person would sit through (a reconnecting controller, a rebuild), nothing else.</summary>
public sealed class ProgressLoggerTests
{
    [Fact]
    public void Only_the_reconnect_wait_and_the_rebuild_are_shown()
    {
        var stderr = new StringWriter();
        var logger = new ProgressLogger(stderr);
        ConnectorLog.Attaching(logger, "nqn.x", 2, "uuid u");
        ConnectorLog.Connected(logger, "nvme1", "tcp 127.0.0.1:4420", "-");
        ConnectorLog.WaitingForReconnect(logger, "nvme2", "tcp 127.0.0.1:4421", "connecting", TimeSpan.FromSeconds(30));
        ConnectorLog.Healing(logger, "md127", "rebuilding", "nvme3n1", "stale");
        ConnectorLog.PortalFailed(logger, "tcp 127.0.0.1:4422", "refused");
        var lines = stderr.ToString().TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("nvmenative: Controller nvme2 at tcp 127.0.0.1:4421 is connecting: waiting up to", lines[0]);
        Assert.Equal("nvmenative: md127: rebuilding nvme3n1 (left out at assembly: stale)", lines[1]);
        Assert.False(logger.IsEnabled(LogLevel.Debug));
    }
}
