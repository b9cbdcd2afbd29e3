using System.Text;
using System.Text.Json;

namespace NvmeNative.Cli;

/// <summary>Writes the one JSON value a command prints, on one line.</summary>
internal static class JsonOutput
{
    internal static void Write(TextWriter stdout, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
            write(w);
        stdout.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    internal static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
            w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
