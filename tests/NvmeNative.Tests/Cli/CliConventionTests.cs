using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using NvmeNative.Cli;
using NvmeNative.Connector;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Cli;

/// <summary>
/// What <c>nvmenative</c> has as a .NET command: help per command, <c>--version</c>, typo suggestions, response
/// files, <c>--</c>, signals as cancellation with the shell's exit codes, and one line for any failure.
/// </summary>
public sealed class CliConventionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-cli-conv-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private NvmeOfConnectorOptions Options => new() { Paths = KernelPaths.UnderRoot(_root) };

    private (int Exit, string Out, string Err) Run(string stdin, params string[] args) => Run(stdin, null, new StringWriter(), args);

    private (int Exit, string Out, string Err) Run(string stdin, SignalCancellation? signals, TextWriter stdout, params string[] args)
    {
        var stderr = new StringWriter();
        int exit = CliApp.Run(args, new CliConsole(new StringReader(stdin), stdout, stderr, StderrIsTerminal: false), Options, signals);
        return (exit, stdout.ToString()!, stderr.ToString());
    }

    private const string LocalhostVolume = """{"target_nqn": "nqn.x", "ns_id": 1, "portals": [["localhost", 4420, "tcp"]]}""";

    [Theory]
    [InlineData("attach", "--takeover")]
    [InlineData("detach", "--device-info")]
    [InlineData("extend", "--state-store")]
    [InlineData("watch", "--on-event")]
    [InlineData("list", "--json")]
    public void Each_command_has_its_help_on_stdout_with_exit_0(string command, string option)
    {
        foreach (string[] args in (string[][])[[command, "--help"], [command, "-h"], ["help", command]])
        {
            var (exit, output, err) = Run("", args);
            Assert.Equal(CliApp.Ok, exit);
            Assert.Equal("", err);
            Assert.Contains($"nvmenative {command}", output);
            Assert.Contains(option, output);
        }
    }

    [Fact]
    public void Bare_nvmenative_shows_the_commands_on_stderr_and_exits_2()
    {
        var (exit, output, err) = Run("");
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Contains("connector-properties", err);
    }

    [Fact]
    public void Version_is_the_repository_version()
    {
        string props = File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        string version = Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;
        Assert.NotEqual("", version);
        var (exit, output, _) = Run("", "--version");
        Assert.Equal(CliApp.Ok, exit);
        Assert.Equal(version, output.Trim());
    }

    [Theory]
    [InlineData("atach", "'attach'")]
    [InlineData("conector-properties", "'connector-properties'")]
    [InlineData("list --jsn", "'--json'")]
    [InlineData("attach - --takover", "'--takeover'")]
    public void A_typo_is_exit_2_with_one_line_suggesting_the_word(string args, string suggestion)
    {
        var (exit, output, err) = Run("{}", args.Split(' '));
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains($"did you mean {suggestion}?", err);
    }

    [Fact]
    public void A_response_file_supplies_arguments()
    {
        string file = Path.Combine(_root, "args.rsp");
        File.WriteAllLines(file, ["paths", "-"]);
        var (exit, output, err) = Run("""{"target_nqn": "nqn.x", "device_path": "/dev/nvme0n1", "portals": [["127.0.0.1", 4420, "tcp"]]}""", "@" + file);
        Assert.True(exit == CliApp.Ok, err);
        Assert.Equal("[\"/dev/nvme0n1\"]", output.Trim());
    }

    [Fact]
    public void A_missing_response_file_is_named_on_the_one_line()
    {
        string missing = Path.Combine(_root, "missing.rsp");
        var (exit, output, err) = Run("", "@" + missing);
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith($"nvmenative: Response file not found '{missing}'", err);
    }

    [Fact]
    public void Double_dash_ends_the_options()
    {
        var (exit, _, err) = Run("{}", "paths", "--", "--state-store");
        Assert.Equal(CliApp.Usage, exit);
        Assert.Contains("cannot read connection properties from --state-store", err);
    }

    [Fact]
    public void Verbose_options_are_taken_before_or_after_the_command_but_not_after_double_dash()
    {
        Assert.Equal(CliApp.Ok, Run("", "-v", "list").Exit);
        Assert.Equal(CliApp.Ok, Run("", "list", "-vv").Exit);
        Assert.Equal(CliApp.Usage, Run("", "list", "--", "-v").Exit);
    }

    [Fact]
    public void Vv_prints_each_phase_of_the_work_as_it_starts_and_ends()
    {
        var (_, _, err) = Run(LocalhostVolume, "-vv", "detach", "-");
        var lines = err.Split('\n');
        Assert.Contains("nvmenative: debug: phase nvmenative.detach started", lines);
        Assert.Contains(lines, l => l.StartsWith("nvmenative: debug: phase nvmenative.detach ", StringComparison.Ordinal) && l.EndsWith(" ms)", StringComparison.Ordinal));
        Assert.True(lines.ToList().FindIndex(l => l.Contains("phase nvmenative.resolve started", StringComparison.Ordinal)) > lines.ToList().IndexOf("nvmenative: debug: phase nvmenative.detach started"), err);

        (_, _, err) = Run(LocalhostVolume, "-v", "detach", "-");
        Assert.DoesNotContain("phase ", err);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public void A_signal_cancels_the_operation_and_exits_with_the_shells_code(PosixSignal signal, int code)
    {
        using var signals = new SignalCancellation();
        signals.Raise(signal);
        var (exit, output, err) = Run(LocalhostVolume, signals, new StringWriter(), "extend", "-");
        Assert.Equal(code, exit);
        Assert.Equal("", output);
        Assert.Equal($"nvmenative: extend cancelled by {signal}; what it had done was rolled back", err.TrimEnd());
    }

    [Fact]
    public void Watch_stopped_by_a_signal_exits_0()
    {
        using var signals = new SignalCancellation();
        signals.Raise(PosixSignal.SIGTERM);
        var (exit, _, _) = Run("", signals, new StringWriter(), "watch", "--state-store", "file:" + Path.Combine(_root, "store"));
        Assert.Equal(CliApp.Ok, exit);
    }

    private sealed class BrokenWriter : StringWriter
    {
        public override void WriteLine(string? value) => throw new InvalidOperationException("the pipe\nbroke");
    }

    [Fact]
    public void An_unexpected_exception_is_one_line_and_exit_1_and_vv_adds_the_trace()
    {
        const string props = """{"target_nqn": "nqn.x", "device_path": "/dev/nvme0n1", "portals": [["127.0.0.1", 4420, "tcp"]]}""";
        var (exit, _, err) = Run(props, null, new BrokenWriter(), "paths", "-");
        Assert.Equal(CliApp.Failed, exit);
        Assert.Equal("nvmenative: unexpected error: InvalidOperationException: the pipe broke (-vv shows where)", err.TrimEnd());

        (exit, _, err) = Run(props, null, new BrokenWriter(), "-vv", "paths", "-");
        Assert.Equal(CliApp.Failed, exit);
        Assert.StartsWith("nvmenative: unexpected error: InvalidOperationException: the pipe broke\n", err);
        Assert.Contains(" at ", err);
    }

    [Fact]
    public void Detach_on_a_host_where_nothing_was_attached_is_one_line_and_a_documented_code()
    {
        var (exit, _, err) = Run("""{"target_nqn": "nqn.x", "ns_id": 1, "portals": [["127.0.0.1", 4420, "tcp"]]}""",
            "detach", "-", "--device-info", """{"path":"/dev/nvme0n1"}""");
        Assert.True(exit is CliApp.Ok or CliApp.Failed, $"exit {exit}: {err}");
        Assert.True(err.Length == 0 || err.TrimEnd().Split('\n').Length == 1, err);
        Assert.DoesNotContain(" at ", err);
    }
}
