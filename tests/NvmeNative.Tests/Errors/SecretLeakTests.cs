using System.Collections;
using Microsoft.Extensions.Logging;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Tests.Connector;
using NvmeNative.Tests.Fabrics;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Errors;

/// <summary>
/// DH-HMAC-CHAP secrets leave the library only in the write to /dev/nvme-fabrics: across the connect's failure paths
/// (every errno, a reply that cannot be parsed or read, an option this kernel lacks, a string too long, bad
/// combinations, a cancellation) and the connector's attach failure paths with secret-shaped values in the properties,
/// no exception (message, ToString, connect string, data, inner exceptions), no log line or structured log value
/// (captured from the ILogger) and no file the library writes holds the key material.
/// </summary>
public sealed class SecretLeakTests : IDisposable
{
    private static readonly string[] Secrets = [DhchapSecretTests.Sha256, DhchapSecretTests.Sha512];

    /// <summary>The key material of each secret: what must never be seen (the "DHHC-1:0N:" prefix may be).</summary>
    private static readonly string[] KeyMaterial = [.. Secrets.Select(s => s.Split(':')[2])];

    private readonly FakeSysfs _sys = new();

    public SecretLeakTests()
    {
        _sys.File("proc/sys/kernel/osrelease", "6.12.0-1-amd64\n");
        string etc = Path.Combine(_sys.Root, "etc", "nvme");
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "hostnqn"), SimulatedKernel.HostNqn + "\n");
        File.WriteAllText(Path.Combine(etc, "hostid"), SimulatedKernel.HostId + "\n");
    }

    public void Dispose() => _sys.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FabricsOptions WithSecrets() => FabricsOptionsTests.Tcp() with
    {
        DhchapSecret = DhchapSecret.Parse(Secrets[0]),
        DhchapControllerSecret = DhchapSecret.Parse(Secrets[1]),
    };

    public static TheoryData<string> ConnectFailures() =>
    [
        .. Enum.GetNames<Errno>().Select(e => "errno " + e),
        "unparseable reply", "unreadable reply", "option not supported", "controller secret without host secret", "cancelled",
        "listing unreadable",
    ];

    [Theory]
    [MemberData(nameof(ConnectFailures))]
    public void A_failed_connect_keeps_the_secrets_out_of_everything_but_the_kernel_write(string failure)
    {
        var device = new RecordingFabricsDevice();
        var options = WithSecrets();
        using var cancelled = new CancellationTokenSource();
        switch (failure)
        {
            case var e when e.StartsWith("errno ", StringComparison.Ordinal):
                device.ThenFail(FabricsStep.Write, Enum.Parse<Errno>(e[6..]));
                break;
            case "unparseable reply":
                device.Then("instance=x,cntlid=" + Secrets[0] + "\n");
                break;
            case "unreadable reply":
                device.ThenFail(FabricsStep.Read, Errno.EIO);
                break;
            case "option not supported":
                device.ListingResult = (FabricsStep.None, 0, RecordingFabricsDevice.Listing61.Replace("dhchap_ctrl_secret=%s,", "", StringComparison.Ordinal));
                break;
            case "controller secret without host secret":
                options = options with { DhchapSecret = null };
                break;
            case "cancelled":
                cancelled.Cancel();
                break;
            case "listing unreadable":
                device.ListingResult = (FabricsStep.Read, (int)Errno.EIO, "");
                break;
        }
        var connector = new FabricsConnector(_sys.Paths, device);
        var thrown = Record.Exception(() => connector.Connect(options, failure == "cancelled" ? cancelled.Token : Ct));

        Assert.NotNull(thrown);
        AssertNoKeyMaterial(Describe(thrown), failure);
        AssertNoKeyMaterial(options.ToString(), "the options' ToString");
        AssertNoFileHoldsKeyMaterial();
        // The one place a secret goes: the kernel write, when the connect got that far.
        Assert.All(device.Writes, w => Assert.Contains(KeyMaterial[0], w));
    }

    [Fact]
    public void The_log_redactor_masks_secrets_and_escapes_control_characters_in_lines_and_values()
    {
        var sink = new CapturingLogger();
        var log = RedactingLogger.Wrap(sink);
        Assert.Same(log, RedactingLogger.Wrap(log));
        ConnectorLog.Connected(log, "nvme0", "tcp://127.0.0.1:4420", $"dhchap_secret={Secrets[0]}");
        ConnectorLog.PortalFailed(log, "tcp://127.0.0.1:4420", $"refused\nnvmenative: forged {Secrets[1]}\u001b[2J");
        Assert.Equal(2, sink.Lines.Count);
        AssertNoKeyMaterial(sink.Everything, "log");
        Assert.DoesNotContain('\n', string.Concat(sink.Lines));
        Assert.DoesNotContain('\u001b', sink.Everything);
        Assert.Contains("DHHC-1:***", sink.Lines[0]);
        Assert.Contains("{Portal}", sink.Everything); // the original format travels unchanged
    }

    /// <summary>Attach failure paths of the connector with secret-shaped values in the properties (as an NQN and a host NQN).</summary>
    public static TheoryData<string> AttachFailures() => ["refused", "namespace never appears", "replica refused", "lock held"];

    [Theory]
    [MemberData(nameof(AttachFailures))]
    public void A_failed_attach_keeps_secret_shaped_values_out_of_exceptions_logs_and_files(string failure)
    {
        // A secret without base64 padding is a valid NQN: nothing stops one from reaching the connector as a name.
        string nqn = "nqn.2024-01.com.example:" + Secrets[0];
        string hostNqn = "nqn.2014-08.org.nvmexpress:" + Secrets[1].TrimEnd(':').Replace("=", "", StringComparison.Ordinal);
        var kernel = new SimulatedKernel(_sys);
        var sink = new CapturingLogger();
        var connector = new NvmeOfConnector(
            new NvmeOfConnectorOptions
            {
                Paths = _sys.Paths,
                DeviceTimeout = TimeSpan.FromMilliseconds(200),
                PathsTimeout = TimeSpan.FromMilliseconds(200),
                LockTimeout = TimeSpan.FromMilliseconds(200),
                Logger = sink,
            },
            kernel,
            () => new FakeUeventSource());
        string single = $$"""{"target_nqn": "{{nqn}}", "vol_uuid": "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10", "host_nqn": "{{hostNqn}}", "portals": [["127.0.0.1", 4420, "tcp"], ["127.0.0.2", 4420, "tcp"]]}""";
        string replicated = $$"""
            {"vol_uuid": "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10", "alias": "vol1", "replica_count": 2, "volume_replicas": [
              {"target_nqn": "{{nqn}}a", "vol_uuid": "0f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "host_nqn": "{{hostNqn}}", "portals": [["127.0.0.1", 4420, "tcp"]]},
              {"target_nqn": "{{nqn}}b", "vol_uuid": "1f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [["127.0.0.2", 4420, "tcp"]]}]}
            """;
        IDisposable? heldLock = null;
        ConnectionProperties properties;
        switch (failure)
        {
            case "refused":
                kernel.Refuses(Errno.ECONNREFUSED).Refuses(Errno.EKEYREJECTED);
                properties = ConnectionProperties.Parse(single);
                break;
            case "namespace never appears":
                kernel.Connects(0).Connects(0);
                properties = ConnectionProperties.Parse(single);
                break;
            case "replica refused":
                kernel.Refuses(Errno.EKEYREJECTED).Refuses(Errno.ECONNREFUSED);
                properties = ConnectionProperties.Parse(replicated);
                break;
            default:
                heldLock = NvmeNative.Kernel.FileLock.Acquire(Path.Combine(_sys.Paths.Run, "lock", "nvmenative", "connect_volume.lock"), TimeSpan.Zero, Ct);
                properties = ConnectionProperties.Parse(single);
                break;
        }
        Exception? thrown;
        using (heldLock)
            thrown = Record.Exception(() => connector.Connect(properties, Ct));

        Assert.True(thrown is NvmeNativeException, $"{failure}: {thrown}");
        AssertNoKeyMaterial(Describe(thrown!), failure);
        Assert.NotEmpty(sink.Lines);
        AssertNoKeyMaterial(sink.Everything, failure + " (log)");
        AssertNoFileHoldsKeyMaterial();
    }

    /// <summary>Everything an exception shows: message, ToString (stack and inner exceptions), connect string, data, and the same for each inner one.</summary>
    private static string Describe(Exception e)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            text.Append(current.Message).Append('\n').Append(current.ToString()).Append('\n');
            if (current is NvmeNativeException family)
                text.Append(family.ConnectString).Append('\n');
            foreach (DictionaryEntry entry in current.Data)
                text.Append(entry.Key).Append('=').Append(entry.Value).Append('\n');
            if (current is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions)
                    text.Append(Describe(inner));
        }
        return text.ToString();
    }

    private static void AssertNoKeyMaterial(string text, string where)
    {
        foreach (string key in KeyMaterial)
        {
            // Any 12 consecutive characters of the key would be a leak (a truncated quote, a split line).
            for (int i = 0; i + 12 <= key.Length; i += 4)
                Assert.False(text.Contains(key.AsSpan(i, 12), StringComparison.Ordinal), $"{where}: key material {key[i..(i + 12)]} leaked: {text}");
        }
    }

    /// <summary>No file the library may write (run state, records, locks, host identity) holds key material; sysfs, proc and dev are the kernel's.</summary>
    private void AssertNoFileHoldsKeyMaterial()
    {
        foreach (string file in Directory.EnumerateFiles(_sys.Root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(_sys.Root, file);
            if (relative.StartsWith("sys/", StringComparison.Ordinal) || relative.StartsWith("proc/", StringComparison.Ordinal) || relative.StartsWith("dev/", StringComparison.Ordinal))
                continue;
            AssertNoKeyMaterial(File.ReadAllText(file), relative);
        }
    }

    /// <summary>An ILogger that keeps every formatted line and structured value.</summary>
    private sealed class CapturingLogger : ILogger
    {
        internal List<string> Lines { get; } = [];

        internal List<string> Values { get; } = [];

        internal string Everything => string.Join('\n', Lines.Concat(Values));

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                    Values.AddRange(pairs.Select(p => $"{p.Key}={p.Value}"));
                if (exception is not null)
                    Values.Add(Describe(exception));
            }
        }
    }
}
