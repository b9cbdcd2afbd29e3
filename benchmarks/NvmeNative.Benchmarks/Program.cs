using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Running;
using NvmeNative.Benchmarks.Lab;

namespace NvmeNative.Benchmarks;

/// <summary>
/// Attach-latency benchmarks. Needs root and a kernel with nvme-tcp and nvmet (run it in the lab through
/// benchmarks/run.sh). Arguments are BenchmarkDotNet's (<c>--filter</c>, <c>--artifacts</c>, ...); without
/// <c>--filter</c>, every benchmark runs.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["charts", string results, .. var rest])
            return Reporting.Charts.Draw(results, rest.FirstOrDefault());
        if (!Environment.IsPrivilegedProcess || !File.Exists("/dev/nvme-fabrics") || !Directory.Exists("/sys/kernel/config/nvmet"))
        {
            Console.Error.WriteLine("NvmeNative.Benchmarks needs root, /dev/nvme-fabrics and nvmet (modprobe nvme-tcp nvmet-tcp); run benchmarks/run.sh, which uses the lab VM");
            return 2;
        }
        // Without a selection BenchmarkDotNet asks on stdin, which the lab does not have: select everything.
        if (!args.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h" || a.StartsWith("--filter=", StringComparison.Ordinal)))
            args = [.. args, "--filter", "*"];

        string kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max)
            .AddColumn(new TagColumn("Kernel", _ => kernel))
            .AddColumn(new RetrySleepsColumn());
        string? artifacts = args.SkipWhile(a => a != "--artifacts").Skip(1).FirstOrDefault();

        int exit = 1;
        try
        {
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
            if (artifacts is not null)
                Samples.Export(Path.Combine(artifacts, "timings.json"), summaries, Notes.Collect(kernel));
            bool failed = summaries.Count == 0 || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
            exit = failed ? 1 : 0;
        }
        finally
        {
            TopologyLookup.ShutDown();
            Replicated.ShutDown();
            // Whatever happened, leave no controller and no nvmet object of ours behind.
            Console.WriteLine(BenchTargets.SweepEverything());
        }
        return exit;
    }
}
