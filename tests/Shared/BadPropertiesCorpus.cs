using System.Text;
using System.Text.Json;

namespace NvmeNative.TestSupport;

/// <summary>One malformed connection-properties input of the corpus.</summary>
/// <param name="Name">A short name (the test case's display name).</param>
/// <param name="Input">The text, expanded.</param>
/// <param name="KeyPath">The error's expected key path, when the corpus gives one.</param>
internal sealed record BadPropertiesCase(string Name, string Input, string? KeyPath)
{
    public override string ToString() => Name;
}

/// <summary>
/// Issue 15's bad-input corpus, <c>tests/Shared/bad-connection-properties.json</c> (copied next to both test
/// assemblies): malformed os-brick connection properties that must all be refused. An input's <c>{{NAME}}</c> stands
/// for the case's <c>repeat.NAME = [TEXT, N]</c>, TEXT repeated N times, so oversized values, deep nesting and huge
/// arrays stay readable in the file.
/// </summary>
internal static class BadPropertiesCorpus
{
    internal const string FileName = "bad-connection-properties.json";

    internal static IReadOnlyList<BadPropertiesCase> Cases { get; } = Load();

    internal static BadPropertiesCase Get(string name) => Cases.Single(c => c.Name == name);

    private static List<BadPropertiesCase> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, FileName)));
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new BadPropertiesCase(
                c.GetProperty("name").GetString()!,
                Expand(c.GetProperty("input").GetString()!, c.TryGetProperty("repeat", out var repeat) ? repeat : null),
                c.TryGetProperty("keyPath", out var keyPath) ? keyPath.GetString() : null))
            .ToList();
    }

    private static string Expand(string input, JsonElement? repeat)
    {
        if (repeat is not { } table)
            return input;
        var text = new StringBuilder(input);
        foreach (var entry in table.EnumerateObject())
        {
            string unit = entry.Value[0].GetString()!;
            int count = entry.Value[1].GetInt32();
            text.Replace("{{" + entry.Name + "}}", new StringBuilder(unit.Length * count).Insert(0, unit, count).ToString());
        }
        return text.ToString();
    }
}
