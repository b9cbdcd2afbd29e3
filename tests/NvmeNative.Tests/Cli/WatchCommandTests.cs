using System.Text.Json;
using NvmeNative.Cli;
using NvmeNative.Connector;
using NvmeNative.Tests.Monitoring;

namespace NvmeNative.Tests.Cli;

/// <summary><c>nvmenative watch</c> over a fake host: JSON lines, the --on-event program, a clean exit 0 when stopped.</summary>
public sealed class WatchCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly FakeReplicatedHost _host = new();
    private readonly string _scratch = Directory.CreateTempSubdirectory("nvmenative-watch-cli-").FullName;

    public WatchCommandTests()
    {
        // Already failed when the watch starts: reported (and recorded) at first sight.
        _host.MemberState(1, "faulty");
        _host.Array(("degraded", "1"));
    }

    public void Dispose()
    {
        _host.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>Signals each line written, so the test waits for output instead of sleeping.</summary>
    private sealed class LineWriter : StringWriter
    {
        private readonly SemaphoreSlim _lines = new(0);

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            _lines.Release();
        }

        internal Task<bool> NextLine(CancellationToken ct) => _lines.WaitAsync(Deadline, ct);
    }

    private (Task<int> Exit, LineWriter Out, StringWriter Err, CancellationTokenSource Stop) Start(params string[] args)
    {
        var stdout = new LineWriter();
        var stderr = new StringWriter();
        var stop = new CancellationTokenSource();
        var options = new NvmeOfConnectorOptions { Paths = _host.Sysfs.Paths, ReplicaStateStore = _host.Store };
        var signals = new SignalCancellation();
        stop.Token.Register(() => signals.Raise(System.Runtime.InteropServices.PosixSignal.SIGTERM));
        var console = new CliConsole(new StringReader(""), stdout, stderr, StderrIsTerminal: false);
        var exit = Task.Factory.StartNew(() => CliApp.Run(["watch", .. args], console, options, signals), TaskCreationOptions.LongRunning);
        return (exit, stdout, stderr, stop);
    }

    [Fact]
    public async Task Json_prints_one_object_per_event_per_line_and_a_stop_exits_0()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, stdout, _, stop) = Start("--json");
        using (stop)
        {
            Assert.True(await stdout.NextLine(ct));
            Assert.True(await stdout.NextLine(ct));
            stop.Cancel();
            Assert.Equal(CliApp.Ok, await exit.WaitAsync(Deadline, ct));
        }
        var lines = stdout.ToString().TrimEnd('\n').Split('\n');
        var kinds = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToArray();
        Assert.Equal(["member_faulty", "array_degraded"], kinds);
        Assert.Contains("\"volume\":\"vol1\"", lines[0]);
    }

    [Fact]
    public async Task Without_json_the_lines_are_readable()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, stdout, _, stop) = Start();
        using (stop)
        {
            Assert.True(await stdout.NextLine(ct));
            stop.Cancel();
            Assert.Equal(CliApp.Ok, await exit.WaitAsync(Deadline, ct));
        }
        Assert.Contains("member_faulty volume vol1 (md127) replica nqn.2014-08.org.example:replica1", stdout.ToString());
    }

    [Fact]
    public async Task On_event_runs_the_program_with_the_event_json_on_stdin_and_retries_a_failure()
    {
        var ct = TestContext.Current.CancellationToken;
        string log = Path.Combine(_scratch, "events.log");
        string flag = Path.Combine(_scratch, "failed-once");
        // Fails the first call of all (the retry must deliver that event), then appends each event's JSON.
        string program = $"if [ ! -e {flag} ]; then touch {flag}; exit 3; fi; cat >> {log}";
        using var written = new AutoResetEvent(false);
        using var watcher = new FileSystemWatcher(_scratch) { EnableRaisingEvents = true };
        watcher.Created += (_, _) => written.Set();
        watcher.Changed += (_, _) => written.Set();
        var (exit, stdout, stderr, stop) = Start("--json", "--on-event", program);
        using (stop)
        {
            // The program runs off the watch's path: wait for it to have delivered both events (the first after a retry).
            var deadline = DateTime.UtcNow + Deadline;
            while (!(File.Exists(log) && File.ReadAllLines(log).Length >= 2))
                Assert.True(written.WaitOne(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks))), "the --on-event program did not deliver both events");
            stop.Cancel();
            Assert.Equal(CliApp.Ok, await exit.WaitAsync(Deadline, ct));
        }
        var delivered = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToArray();
        Assert.Equal(["member_faulty", "array_degraded"], delivered);
        Assert.Contains("exited 3", stderr.ToString());
    }
}
