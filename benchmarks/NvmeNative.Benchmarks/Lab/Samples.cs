using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// What the benchmark methods time inside one operation (attach and detach apart, the time os-brick reports from
/// inside Python, NvmeNative's phases from its activities), per case, in milliseconds. BenchmarkDotNet measures the
/// whole operation; these samples say how it divides. Every call of the method records one sample (jitting and
/// warm-up included); columns and the export keep the last measured-iteration-count samples.
/// </summary>
internal static class Samples
{
    private static readonly ConcurrentDictionary<string, List<Dictionary<string, double>>> Entries = new(StringComparer.Ordinal);

    /// <summary>The key of a case: class, method and parameter values (sorted by name), as <see cref="KeyOf"/> rebuilds it.</summary>
    public static string Key(Type type, string method, params (string Name, object Value)[] parameters) =>
        $"{type.Name}.{method}|" + string.Join(",", parameters.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Convert.ToString(p.Value, CultureInfo.InvariantCulture)}"));

    internal static string KeyOf(BenchmarkCase c) =>
        $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}|" + string.Join(",", c.Parameters.Items.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Convert.ToString(p.Value, CultureInfo.InvariantCulture)}"));

    public static void Record(string key, Dictionary<string, double> segmentsMs)
    {
        var list = Entries.GetOrAdd(key, _ => []);
        lock (list)
            list.Add(segmentsMs);
    }

    /// <summary>The last <paramref name="count"/> samples of a case (the measured iterations).</summary>
    public static IReadOnlyList<Dictionary<string, double>> Last(string key, int count)
    {
        if (!Entries.TryGetValue(key, out var list))
            return [];
        lock (list)
            return list.Skip(Math.Max(0, list.Count - count)).ToList();
    }

    /// <summary>The median of one segment over a case's measured samples; null when it was not recorded.</summary>
    public static double? Median(BenchmarkCase c, string segment)
    {
        var values = Last(KeyOf(c), MeasuredCount(c)).Where(s => s.ContainsKey(segment)).Select(s => s[segment]).Order().ToList();
        if (values.Count == 0)
            return null;
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    internal static int MeasuredCount(BenchmarkCase c) => c.Job.Run.HasValue(BenchmarkDotNet.Jobs.RunMode.IterationCountCharacteristic)
        ? c.Job.Run.IterationCount : LabJobs.LatencyIterations;

    /// <summary>
    /// Writes every case that recorded samples, with its BenchmarkDotNet statistics, to <paramref name="path"/> (JSON):
    /// what benchmarks/run.sh copies to results/&lt;kernel&gt;/ and the charts are drawn from.
    /// </summary>
    public static void Export(string path, IEnumerable<Summary> summaries, IReadOnlyDictionary<string, string> notes)
    {
        var cases = new JsonArray();
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                var c = report.BenchmarkCase;
                string key = KeyOf(c);
                var parameters = new JsonObject();
                foreach (var p in c.Parameters.Items)
                    parameters[p.Name] = Convert.ToString(p.Value, CultureInfo.InvariantCulture);
                var samples = new JsonArray();
                foreach (var s in Last(key, MeasuredCount(c)))
                    samples.Add(new JsonObject(s.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, 3)))));
                var stats = report.ResultStatistics;
                cases.Add(new JsonObject
                {
                    ["class"] = c.Descriptor.Type.Name,
                    ["method"] = c.Descriptor.WorkloadMethod.Name,
                    ["baseline"] = c.Descriptor.Baseline,
                    ["parameters"] = parameters,
                    ["success"] = report.Success,
                    ["mean_ms"] = stats is null ? null : Math.Round(stats.Mean / 1e6, 3),
                    ["median_ms"] = stats is null ? null : Math.Round(stats.Median / 1e6, 3),
                    ["n"] = stats?.N,
                    ["samples_ms"] = samples,
                });
            }
        }
        var root = new JsonObject { ["notes"] = new JsonObject(notes.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))), ["cases"] = cases };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}

/// <summary>A column with the median of one recorded segment (e.g. the attach alone), in milliseconds.</summary>
internal sealed class SegmentColumn(string segment, string columnName, string legend) : IColumn
{
    public string Id => nameof(SegmentColumn) + "." + segment;

    public string ColumnName => columnName;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        Samples.Median(benchmarkCase, segment) is { } ms ? ms.ToString("N1", CultureInfo.InvariantCulture) + " ms" : "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Samples.Median(c, segment) is not null);
}
