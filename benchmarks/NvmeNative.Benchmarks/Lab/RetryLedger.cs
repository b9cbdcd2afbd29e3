using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// Counts, per benchmark case, how many measured attaches of the os-brick path had to sleep in
/// find_device because the namespace was not in sysfs yet, and for how long in total. The sleeps are part
/// of os-brick's attach latency; the column shows how much of the mean they are.
/// </summary>
internal static class RetryLedger
{
    private static readonly ConcurrentDictionary<string, (int Runs, int Slept, int Seconds)> Entries = new(StringComparer.Ordinal);

    public static void Record(string key, int sleptSeconds) =>
        Entries.AddOrUpdate(key, _ => (1, sleptSeconds > 0 ? 1 : 0, sleptSeconds),
            (_, e) => (e.Runs + 1, e.Slept + (sleptSeconds > 0 ? 1 : 0), e.Seconds + sleptSeconds));

    /// <summary>
    /// The key of a case: class, method and parameter values, as the column rebuilds it. Pass typeof(TheClass):
    /// the in-process toolchain runs an emitted subclass, so GetType() is not the benchmark type.
    /// </summary>
    public static string Key(Type type, string method, int portals) => $"{type.Name}.{method}|Portals={portals}";

    /// <summary>The key of a case of a class without a Portals parameter.</summary>
    public static string Key(Type type, string method) => $"{type.Name}.{method}|Portals=";

    internal static string? Describe(BenchmarkCase benchmarkCase)
    {
        var portals = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Portals")?.Value;
        string key = $"{benchmarkCase.Descriptor.Type.Name}.{benchmarkCase.Descriptor.WorkloadMethod.Name}|Portals={portals}";
        return Entries.TryGetValue(key, out var e) ? $"{e.Slept}/{e.Runs} ({e.Seconds} s)" : null;
    }
}

/// <summary>The "os-brick sleeps" column: attaches that slept / attaches run (all stages), and the seconds slept.</summary>
internal sealed class RetrySleepsColumn : IColumn
{
    public string Id => nameof(RetrySleepsColumn);

    public string ColumnName => "find_device sleeps";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "os-brick path only: attaches (warmup + measured) whose find_device slept / all its attaches, and the seconds slept in total";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => RetryLedger.Describe(benchmarkCase) ?? "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
