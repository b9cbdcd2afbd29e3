using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Benchmarks.OsBrick;

namespace NvmeNative.Benchmarks;

/// <summary>
/// What a process costs before it does anything, under the same emulation: the <c>nvmenative</c> binary's
/// <c>--help</c> against <c>mdadm --version</c> and <c>nvme version</c> (the commands the scripted path runs) and
/// against the least any Native AOT program costs (<see cref="NativeAotFloor"/>), and
/// <c>nvmenative connector-properties</c> (start-up plus the host identity and the connector's first look at the host).
/// Every replicated attach or detach by the binary pays its start-up once.
/// </summary>
[Config(typeof(StartupConfig))]
public class ProcessStartup
{
    private static readonly Lazy<NvmeNativeProcess> Cli = new(NvmeNativeProcess.Locate);

    private static readonly Lazy<string> AotFloor = new(() =>
    {
        string path = Environment.GetEnvironmentVariable("NVMENATIVE_BENCH_AOT_FLOOR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(NvmeNativeProcess.RepoRoot(), "artifacts/aot-floor/NvmeNative.AotFloor");
        return File.Exists(path) ? path
            : throw new FileNotFoundException("the Native AOT floor program is not published (benchmarks/run.sh publishes it)", path);
    });

    [Benchmark(Baseline = true)]
    public string MdadmVersion() => CliProcess.Run("mdadm", "--version"); // it prints the version on stderr

    [Benchmark]
    public string NvmeVersion() => CliProcess.Run("nvme", "version");

    /// <summary>
    /// The floor: a Native AOT program that prints one line, built with nvmenative's start-up settings
    /// (benchmarks/NvmeNative.AotFloor, published by run.sh). What it costs is the .NET runtime's own start.
    /// </summary>
    [Benchmark]
    public string NativeAotFloor() => CliProcess.Run(AotFloor.Value);

    [Benchmark]
    public string NvmeNativeHelp() => Cli.Value.RunText("--help");

    [Benchmark]
    public string NvmeNativeConnectorProperties() => Cli.Value.RunText("connector-properties");

    private sealed class StartupConfig : ManualConfig
    {
        public StartupConfig() => AddJob(LabJobs.Latency.WithWarmupCount(3).WithIterationCount(30).WithId("lab-startup")); // a start is short and varies: 30 samples
    }
}
