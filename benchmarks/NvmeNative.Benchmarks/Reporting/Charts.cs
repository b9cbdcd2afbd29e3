using System.Globalization;
using System.Text.Json.Nodes;
using ScottPlot;

namespace NvmeNative.Benchmarks.Reporting;

/// <summary>
/// Draws a run's figures (<c>timings.json</c>, written by the benchmarks in the lab) as SVG with ScottPlot, on the host
/// (no root, no kernel): one chart per benchmark class, one stacked horizontal bar per scenario and path, its
/// segments the mean attach and detach (NvmeNative's attach and detach split into the phases its activities report,
/// when they do). <c>NvmeNative.Benchmarks charts DIR</c>; benchmarks/run.sh calls it for every kernel it ran.
/// </summary>
internal static class Charts
{
    public static int Draw(string resultsDirectory, string? newTimings = null)
    {
        string path = Path.Combine(resultsDirectory, "timings.json");
        if (newTimings is not null)
            Merge(newTimings, path);
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"charts: no {path}");
            return 2;
        }
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        string kernel = root["notes"]?["kernel"]?.GetValue<string>() ?? "?";
        var rows = (root["cases"]?.AsArray() ?? []).Select(Row.From).OfType<Row>().ToList();
        string phases = Path.Combine(resultsDirectory, "phases.md");
        File.WriteAllText(phases, PhaseTable.Markdown(kernel, root["cases"]?.AsArray() ?? []));
        Console.WriteLine($"charts: {phases}");
        foreach (var group in rows.GroupBy(r => r.Class))
        {
            string svg = Path.Combine(resultsDirectory, $"{group.Key}.svg");
            DrawClass(group.Key, kernel, [.. group], svg);
            Console.WriteLine($"charts: {svg}");
        }
        return 0;
    }

    /// <summary>
    /// Puts a run's cases into the kernel's timings.json, replacing the cases of the classes that run measured (a run
    /// filtered to one class keeps the other classes' last figures); its notes are kept per class.
    /// </summary>
    private static void Merge(string newTimings, string path)
    {
        var incoming = JsonNode.Parse(File.ReadAllText(newTimings))!.AsObject();
        var cases = incoming["cases"]?.AsArray() ?? [];
        var classes = cases.Select(c => c!["class"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var merged = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : new JsonObject();
        var kept = (merged["cases"]?.AsArray() ?? []).Where(c => !classes.Contains(c!["class"]!.GetValue<string>())).Select(c => c!.DeepClone());
        var notes = merged["notes"]?.AsObject().DeepClone().AsObject() ?? new JsonObject();
        foreach (var (key, value) in incoming["notes"]?.AsObject() ?? [])
            notes[key] = value?.DeepClone();
        foreach (string cls in classes)
            notes["run of " + cls] = incoming["notes"]?["finished"]?.DeepClone();
        var result = new JsonObject { ["notes"] = notes, ["cases"] = new JsonArray([.. kept, .. cases.Select(c => c!.DeepClone())]) };
        File.WriteAllText(path, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static void DrawClass(string name, string kernel, IReadOnlyList<Row> rows, string file)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        var colors = new Dictionary<string, Color>(StringComparer.Ordinal);
        Color ColorOf(string segment) => colors.TryGetValue(segment, out var c) ? c : colors[segment] = palette.GetColor(colors.Count);

        // Top to bottom in the order of the report: the first row gets the highest position.
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            double position = rows.Count - i;
            double start = 0;
            foreach (var (segment, ms) in row.Segments)
            {
                bars.Add(new Bar
                {
                    Position = position,
                    ValueBase = start,
                    Value = start + ms,
                    FillColor = ColorOf(segment),
                    LineWidth = 0,
                    Orientation = Orientation.Horizontal,
                });
                start += ms;
            }
            ticks.Add(new Tick(position, row.Label));
        }
        plot.Add.Bars(bars);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.02, top: 0.02);
        plot.Title($"{name}: mean time per operation, Linux {kernel} (QEMU TCG: compare bars, not absolute times)");
        plot.XLabel("milliseconds");
        foreach (var (segment, color) in colors)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = segment, FillColor = color });
        plot.ShowLegend(Edge.Right);
        int height = Math.Max(400, 90 + 30 * rows.Count);
        plot.SaveSvg(file, 1400, height);
        plot.SavePng(Path.ChangeExtension(file, ".png"), 1400, height); // for viewers that show no SVG
    }

    /// <summary>One bar: a case's label and its segments (milliseconds, in stacking order).</summary>
    private sealed record Row(string Class, string Label, IReadOnlyList<(string Segment, double Ms)> Segments)
    {
        public static Row? From(JsonNode? node)
        {
            if (node?["samples_ms"] is not JsonArray { Count: > 0 } samples || node["success"]?.GetValue<bool>() != true)
                return null;
            var parameters = node["parameters"]?.AsObject().Select(kv => $"{kv.Key}={kv.Value}") ?? [];
            string label = string.Join(" ", parameters.Append(node["method"]!.GetValue<string>()));
            var means = samples.OfType<JsonObject>().SelectMany(s => s).GroupBy(kv => kv.Key)
                .ToDictionary(g => g.Key, g => g.Average(kv => kv.Value!.GetValue<double>()), StringComparer.Ordinal);
            var segments = new List<(string, double)>();
            foreach (string operation in new[] { "attach", "detach" })
            {
                if (!means.TryGetValue(operation, out double wall))
                    continue;
                // NvmeNative's activities: nvmenative.attach / nvmenative.detach and their phases (keys "ROOT: PHASE").
                string prefix = $"nvmenative.{operation}: ";
                var phases = means.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
                if (phases.Count == 0)
                {
                    segments.Add((operation, wall));
                    continue;
                }
                foreach (var (key, ms) in phases)
                    segments.Add(($"{operation}: {key[prefix.Length..]}", ms));
                double outside = wall - phases.Sum(p => p.Value);
                if (outside > 0)
                    segments.Add(($"{operation}: outside the library's activity", outside));
            }
            if (segments.Count == 0)
            {
                double mean = node["mean_ms"]?.GetValue<double>() ?? 0;
                segments.Add(("operation", mean));
            }
            return new Row(node["class"]!.GetValue<string>(), label, segments);
        }
    }

    internal static string Ms(double ms) => ms.ToString("N1", CultureInfo.InvariantCulture);
}
