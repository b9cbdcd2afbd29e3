using NvmeNative.Cli;
using NvmeNative.Connector;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Cli;

/// <summary>
/// PROPS is read through the library's bounded parser: standard input or a file larger than
/// <see cref="ConnectionProperties.MaxJsonBytes"/> is refused with exit 2 and one line, and is not read to its end.
/// </summary>
public sealed class CliInputBoundsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-cli-bounds-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Exit, string Out, string Err) Run(TextReader stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.Run(args, new CliConsole(stdin, stdout, stderr, StderrIsTerminal: false),
            new NvmeOfConnectorOptions { Paths = KernelPaths.UnderRoot(_root) }, signals: null);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    // Valid properties padded with whitespace past the cap: only the size can be why they are refused.
    private static string Oversized(int bytes)
    {
        const string props = """{"target_nqn": "nqn.x", "device_path": "/dev/nvme0n1", "portals": [["127.0.0.1", 4420, "tcp"]]}""";
        return props + new string(' ', bytes - props.Length);
    }

    private static void AssertRefusedAsTooLarge((int Exit, string Out, string Err) run)
    {
        Assert.Equal(CliApp.Usage, run.Exit);
        Assert.Equal("", run.Out);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
        Assert.Contains($"larger than {ConnectionProperties.MaxJsonBytes} bytes", run.Err);
    }

    [Fact]
    public void Properties_at_the_cap_are_read()
    {
        var (exit, output, err) = Run(new StringReader(Oversized(ConnectionProperties.MaxJsonBytes)), "paths", "-");
        Assert.True(exit == CliApp.Ok, err);
        Assert.Equal("[\"/dev/nvme0n1\"]", output.Trim());
    }

    [Fact]
    public void Standard_input_one_byte_over_the_cap_is_refused_with_exit_2()
    {
        AssertRefusedAsTooLarge(Run(new StringReader(Oversized(ConnectionProperties.MaxJsonBytes + 1)), "paths", "-"));
    }

    [Fact]
    public void A_file_over_the_cap_is_refused_with_exit_2()
    {
        string file = Path.Combine(_root, "props.json");
        File.WriteAllText(file, Oversized(4 * ConnectionProperties.MaxJsonBytes));
        AssertRefusedAsTooLarge(Run(new StringReader(""), "attach", file));
    }

    [Fact]
    public void Endless_standard_input_is_refused_after_reading_little_more_than_the_cap()
    {
        var endless = new EndlessReader();
        AssertRefusedAsTooLarge(Run(endless, "attach", "-"));
        Assert.InRange(endless.Taken, ConnectionProperties.MaxJsonBytes + 1, 2 * ConnectionProperties.MaxJsonBytes);
    }

    /// <summary>Standard input that never ends (<c>yes | nvmenative attach -</c>), counting what was taken from it.</summary>
    private sealed class EndlessReader : TextReader
    {
        internal long Taken { get; private set; }

        public override int Peek() => ' ';

        public override int Read(char[] buffer, int index, int count)
        {
            buffer.AsSpan(index, count).Fill(' ');
            Taken += count;
            return count;
        }

        public override int Read() => Read(new char[1], 0, 1) > 0 ? ' ' : -1;

        public override string ReadToEnd() => throw new OutOfMemoryException("read to the end of an endless input");
    }
}
