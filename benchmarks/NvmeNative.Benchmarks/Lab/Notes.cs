using System.Collections.Concurrent;
using System.Globalization;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>Facts about a run that belong next to its figures (what os-brick ran, which nvmenative binary), exported with them.</summary>
internal static class Notes
{
    private static readonly ConcurrentDictionary<string, string> Entries = new(StringComparer.Ordinal);

    public static void Set(string key, string value) => Entries[key] = value;

    public static IReadOnlyDictionary<string, string> Collect(string kernel)
    {
        var all = new SortedDictionary<string, string>(Entries, StringComparer.Ordinal)
        {
            ["kernel"] = kernel,
            ["finished"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        };
        return all;
    }
}
