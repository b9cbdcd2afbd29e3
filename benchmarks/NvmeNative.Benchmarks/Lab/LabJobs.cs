using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Mathematics.OutlierDetection;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// Job settings for the lab: in-process (the guest's root is read-only, so BenchmarkDotNet cannot generate
/// and build a project per benchmark), and few iterations, because under QEMU TCG one attach takes a large
/// fraction of a second and a run per kernel must fit in minutes.
/// </summary>
internal static class LabJobs
{
    public const int LatencyWarmups = 3;
    public const int LatencyIterations = 20;

    // The in-process toolchain's default per-case timeout is too short for emulation.
    private static readonly InProcessEmitToolchain Toolchain = new(TimeSpan.FromMinutes(30), logOutput: true);

    /// <summary>
    /// Attach/detach latency: one operation per iteration (Monitoring: no pilot, no overhead subtraction),
    /// and no outlier is removed: an attach that waited for a retry is exactly what the comparison is about.
    /// </summary>
    public static Job Latency { get; } = Job.Default
        .WithToolchain(Toolchain)
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(LatencyWarmups)
        .WithIterationCount(LatencyIterations)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithOutlierMode(OutlierMode.DontRemove)
        .WithId("lab-latency");

    /// <summary>Sysfs lookups (sub-millisecond to milliseconds): BenchmarkDotNet's throughput engine, shortened.</summary>
    public static Job Lookup { get; } = Job.Default
        .WithToolchain(Toolchain)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
        .WithId("lab-lookup");
}

/// <summary>Runs the class with <see cref="LabJobs.Latency"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class LatencyJobAttribute : Attribute, IConfigSource
{
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddJob(LabJobs.Latency);
}

/// <summary>Runs the class with <see cref="LabJobs.Lookup"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class LookupJobAttribute : Attribute, IConfigSource
{
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddJob(LabJobs.Lookup);
}
