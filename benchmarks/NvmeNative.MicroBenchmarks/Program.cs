using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

namespace NvmeNative.MicroBenchmarks;

/// <summary>
/// NvmeNative's user-space hot paths without a kernel (any machine, no root). Arguments are BenchmarkDotNet's;
/// without <c>--filter</c> every benchmark runs. Allocations are reported for each (MemoryDiagnoser).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (!args.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h" || a.StartsWith("--filter=", StringComparison.Ordinal)))
            args = [.. args, "--filter", "*"];
        var config = ManualConfig.Create(DefaultConfig.Instance).AddDiagnoser(MemoryDiagnoser.Default);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
        return summaries.Count == 0 || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
