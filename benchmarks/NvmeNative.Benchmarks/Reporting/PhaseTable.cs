using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace NvmeNative.Benchmarks.Reporting;

/// <summary>
/// The phase breakdown of a run as markdown (<c>phases.md</c> beside the charts): for every case whose samples carry
/// NvmeNative's phases (see <see cref="Lab.PhaseRecorder"/>), per operation the mean wall time of each phase, its CPU
/// time in user mode and in the kernel, and the two user-space shares: by span (time outside every kernel phase) and
/// by CPU (the thread's user-mode CPU time over the wall time).
/// </summary>
internal static class PhaseTable
{
    public static string Markdown(string kernel, IEnumerable<JsonNode?> cases)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Phase breakdown on Linux {kernel}");
        text.AppendLine();
        text.AppendLine("Means over the measured iterations (milliseconds). *wall*: the phase's share of the operation's wall time;");
        text.AppendLine("*user CPU* / *kernel CPU*: CPU time of the thread that ran the operation, in user mode and in the kernel");
        text.AppendLine("(getrusage RUSAGE_THREAD around each activity); *user space (by span)*: time outside every kernel phase,");
        text.AppendLine("placed in the activity it happened in; *user space (by CPU)*: the operation's user-mode CPU time over its wall time.");
        foreach (var node in cases)
        {
            if (node?["samples_ms"] is not JsonArray { Count: > 0 } samples || node["success"]?.GetValue<bool>() != true)
                continue;
            var means = samples.OfType<JsonObject>().SelectMany(s => s).GroupBy(kv => kv.Key)
                .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value!.GetValue<double>()) / samples.Count, StringComparer.Ordinal);
            if (!means.Keys.Any(k => k.StartsWith("nvmenative.", StringComparison.Ordinal)))
                continue;
            var parameters = node["parameters"]?.AsObject().Select(kv => $"{kv.Key}={kv.Value}") ?? [];
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"## {node["class"]} {string.Join(" ", parameters)} {node["method"]} ({samples.Count} iterations)");
            foreach (string operation in new[] { "attach", "detach" })
            {
                string root = "nvmenative." + operation;
                string prefix = root + ": ";
                var phases = means.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(kv => (Name: kv.Key[prefix.Length..], Ms: kv.Value)).OrderByDescending(p => p.Ms).ToList();
                if (phases.Count == 0)
                    continue;
                double wall = phases.Sum(p => p.Ms);
                bool hasCpu = means.ContainsKey(root + " cpu: user");
                double userCpu = means.GetValueOrDefault(root + " cpu: user");
                double kernelCpu = means.GetValueOrDefault(root + " cpu: system");
                double userSpan = phases.Where(p => p.Name == Lab.PhaseRecorder.UserSpace).Sum(p => p.Ms);
                text.AppendLine();
                string headline = hasCpu
                    ? $"**{operation}** {Ms(wall)} ms: user space {Pct(userSpan, wall)} by span, {Pct(userCpu, wall)} by CPU " +
                      $"(user CPU {Ms(userCpu)} ms, kernel CPU {Ms(kernelCpu)} ms, off CPU {Ms(Math.Max(0, wall - userCpu - kernelCpu))} ms)"
                    : $"**{operation}** {Ms(wall)} ms: user space {Pct(userSpan, wall)} by span (no CPU figures)";
                text.AppendLine(headline);
                // The CPU outside every phase: the operation's less its phases'.
                string leafUser = root + " cpu user: ", leafSystem = root + " cpu system: ";
                double outsideUser = userCpu - means.Where(kv => kv.Key.StartsWith(leafUser, StringComparison.Ordinal)).Sum(kv => kv.Value);
                double outsideSystem = kernelCpu - means.Where(kv => kv.Key.StartsWith(leafSystem, StringComparison.Ordinal)).Sum(kv => kv.Value);
                text.AppendLine();
                text.AppendLine("| phase | wall ms | share | user CPU ms | kernel CPU ms |");
                text.AppendLine("|---|---:|---:|---:|---:|");
                foreach (var (name, ms) in phases)
                {
                    bool outside = name == Lab.PhaseRecorder.UserSpace && hasCpu;
                    string user = outside ? Ms(outsideUser) : means.TryGetValue($"{root} cpu user: {name}", out double u) ? Ms(u) : "";
                    string sys = outside ? Ms(outsideSystem) : means.TryGetValue($"{root} cpu system: {name}", out double k) ? Ms(k) : "";
                    text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Ms(ms)} | {Pct(ms, wall)} | {user} | {sys} |");
                }
                string wherePrefix = root + " user space in: ";
                var where = means.Where(kv => kv.Key.StartsWith(wherePrefix, StringComparison.Ordinal)).OrderByDescending(kv => kv.Value).ToList();
                if (where.Count > 0)
                {
                    text.AppendLine();
                    text.AppendLine("user space (by span) was spent in: " +
                        string.Join(", ", where.Select(kv => $"{kv.Key[wherePrefix.Length..]} {Ms(kv.Value)} ms")));
                }
            }
        }
        return text.ToString();
    }

    private static string Ms(double ms) => ms.ToString("N1", CultureInfo.InvariantCulture);

    private static string Pct(double part, double whole) =>
        whole > 0 ? (100 * part / whole).ToString("N1", CultureInfo.InvariantCulture) + "%" : "-";
}
