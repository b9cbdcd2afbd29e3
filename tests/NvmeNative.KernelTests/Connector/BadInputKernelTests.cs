using System.Diagnostics;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.KernelTests.Target;
using NvmeNative.TestSupport;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Issue 15's bad input against a real host: with a replicated volume attached (controllers, an md array, its
/// /dev/md link, attach records, a replica-state record and the host lock directory all present), the whole bad-input
/// corpus and thousands of generated mutations go through the library's parse entry, and one corpus case per kind of
/// refusal through the CLI's entry (<c>nvmenative attach -</c>; a few of them as processes, as operators run it): every
/// input is refused (the typed error; exit 2 with one line on stderr), and the kernel state and the run-state files are
/// byte for byte what they were.
/// </summary>
[Collection(NvmetCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BadInputKernelTests
{
    private const int Mutations = 2000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => $"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? Environment.OSVersion.Version.ToString()}]";

    /// <summary>
    /// The cases that also run as CLI processes: no input at all, one over the 64 KiB cap (a pipe's worth and more on
    /// stdin), one whose key carries terminal escapes (what reaches a real stderr), one that would inject a fabrics option.
    /// </summary>
    private static readonly string[] ProcessCases = ["empty-input", "document-over-64KiB", "duplicate-key-with-terminal-escapes", "host_nqn-injects-an-option"];

    /// <summary>Exit 2, nothing on stdout, one line on stderr and nothing unprintable in it; else a failure line.</summary>
    private static void CheckRefusal(BadPropertiesCase bad, int exit, string output, string error, List<string> failures, string how = "")
    {
        string[] errorLines = error.TrimEnd('\n').Split('\n');
        if (exit != 2 || output.Length != 0 || errorLines.Length != 1 || error.Any(c => DisplayText.IsUnsafe(c) && c != '\n'))
        {
            lock (failures)
                failures.Add($"{bad.Name}{how}: exit {exit}, stdout {output.Length} chars, stderr {DisplayText.Escape(error)}");
        }
    }

    [Fact]
    public void Every_bad_input_is_refused_and_the_kernel_state_and_run_state_files_are_unchanged()
    {
        using var volume = new ReplicaSetTestVolume("badinput", 2);
        var connector = new NvmeOfConnector();
        var attached = connector.Connect(volume.Properties, Ct);
        try
        {
            string before = KernelStateSnapshot.Take();
            Assert.Contains(volume.Link, before);

            var clock = Stopwatch.StartNew();
            foreach (var bad in BadPropertiesCorpus.Cases)
                Assert.IsType<InvalidConnectionPropertiesException>(Record.Exception(() => ConnectionProperties.Parse(bad.Input)));
            foreach (var mutated in new PropertyMutations(20261115).Generate(Mutations))
            {
                var e = Record.Exception(() => ConnectionProperties.Parse(mutated.Json));
                Assert.True(e is InvalidConnectionPropertiesException, $"{mutated}: {e?.GetType().Name ?? "accepted"}");
            }
            Console.Error.WriteLine($"{Kernel} {BadPropertiesCorpus.Cases.Count} corpus cases and {Mutations} mutations refused by the library in {clock.Elapsed.TotalSeconds:0.0} s");

            clock.Restart();
            var failures = new List<string>();
            // The CLI parses with the same library call, so one case per kind of refusal (its key path) is enough for
            // what the CLI adds (exit 2, one line on stderr, nothing on stdout). Each goes through the CLI's entry
            // (CliApp.Run, what Program.cs calls) in this process; a few of them through a process of their own too, as
            // operators run it (stdin piped, the exit status and stderr of a real process): a CLI start costs seconds
            // under emulation, 34 of them were 55 of this test's 59 s.
            var spread = BadPropertiesCorpus.Cases.GroupBy(c => c.KeyPath ?? c.Name).Select(g => g.First()).ToList();
            foreach (var bad in spread)
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                int exit = NvmeNative.Cli.CliApp.Run(["attach", "-"], new StringReader(bad.Input), stdout, stderr);
                CheckRefusal(bad, exit, stdout.ToString(), stderr.ToString(), failures);
            }
            var asProcesses = ProcessCases.Select(BadPropertiesCorpus.Get).ToList();
            // Two CLI processes at a time: the lab has two CPUs.
            Parallel.ForEach(asProcesses, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = Ct }, bad =>
            {
                var (exit, output, error) = CliProcess.Run(bad.Input, "attach", "-");
                CheckRefusal(bad, exit, output, error, failures, " (process)");
            });
            Console.Error.WriteLine($"{Kernel} {spread.Count} corpus cases (one per key path) refused by the CLI, {asProcesses.Count} of them also as processes, in {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Empty(failures);

            string after = KernelStateSnapshot.Take();
            Assert.True(before == after, KernelStateSnapshot.Difference(before, after));
        }
        finally
        {
            connector.Disconnect(volume.Properties, cancellationToken: Ct);
        }
        volume.AssertGone();
        Assert.NotNull(attached.Replication);
    }
}
