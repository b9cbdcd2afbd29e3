using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;

namespace NvmeNative.Benchmarks;

/// <summary>
/// What a process costs before it does anything, under the same emulation: the <c>nvmenative</c> binary's
/// <c>--help</c> against <c>mdadm --version</c> and <c>nvme version</c> (the commands the scripted path runs), and
/// <c>nvmenative connector-properties</c> (start-up plus the host identity and the connector's first look at the host).
/// Every replicated attach or detach by the binary pays its start-up once.
/// </summary>
[Config(typeof(StartupConfig))]
public class ProcessStartup
{
    private static readonly Lazy<NvmeNativeProcess> Cli = new(NvmeNativeProcess.Locate);

    [Benchmark(Baseline = true)]
    public string MdadmVersion() => CliProcess.Run("mdadm", "--version"); // it prints the version on stderr

    [Benchmark]
    public string NvmeVersion() => CliProcess.Run("nvme", "version");

    [Benchmark]
    public string NvmeNativeHelp() => Cli.Value.RunText("--help");

    [Benchmark]
    public string NvmeNativeConnectorProperties() => Cli.Value.RunText("connector-properties");

    private sealed class StartupConfig : ManualConfig
    {
        public StartupConfig() => AddJob(LabJobs.Latency.WithWarmupCount(2).WithIterationCount(10).WithId("lab-startup"));
    }
}
