using System.Globalization;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>What the running kernel lacks that a benchmark's properties must account for.</summary>
internal static class BenchKernel
{
    private static readonly Lazy<(int Major, int Minor)> Version = new(() =>
    {
        string[] parts = File.ReadAllText("/proc/sys/kernel/osrelease").Trim().Split('.', 3);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture),
            int.Parse(new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture));
    });

    /// <summary>
    /// The properties a replicated volume needs on a kernel without <c>fast_io_fail_tmo</c> (before 5.11): the explicit
    /// opt-in to os-brick's waiting legs, without which the library refuses the attach there (as documented). Empty on
    /// newer kernels. With it, a lost replica stalls writes until its controller gives up, as with os-brick.
    /// </summary>
    internal static string ReplicaLegOptIn =>
        Version.Value.Major > 5 || (Version.Value.Major == 5 && Version.Value.Minor >= 11) ? "" : "\"replica_fast_io_fail_tmo\": -1, ";
}
