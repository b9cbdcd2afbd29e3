using System.Text.Json;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// A JSON object read once into a dictionary, remembering where it sits in the document so every error can
/// name its key path. A key given twice is an error: JSON parsers disagree on which one wins.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _fields;

    private JsonFields(Dictionary<string, JsonElement> fields, string path)
    {
        _fields = fields;
        Path = path;
    }

    /// <summary>The key path of this object ("" for the document root).</summary>
    internal string Path { get; }

    internal static JsonFields Read(JsonElement element, string path, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Error(path, $"{what} must be a JSON object, not {Kind(element)}");
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
            if (!fields.TryAdd(property.Name, property.Value))
                throw Error(Child(path, property.Name), "the key appears twice in the same object");
        return new JsonFields(fields, path);
    }

    /// <summary>True when the key is present with a non-null value (os-brick's <c>dict.get</c> treats null as absent).</summary>
    internal bool Has(string key) => Get(key) is not null;

    /// <summary>The value, or null when the key is absent or JSON null.</summary>
    internal JsonElement? Get(string key) =>
        _fields.TryGetValue(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>True when the key is present at all, even as null.</summary>
    internal bool ContainsKey(string key) => _fields.ContainsKey(key);

    internal string PathOf(string key) => Child(Path, key);

    /// <summary>Longest key name written plainly in a path (every key we read is far shorter).</summary>
    private const int MaxPlainKey = 64;

    /// <summary>
    /// The path of <paramref name="key"/> under <paramref name="path"/>: <c>path.key</c> for a plain key (letters,
    /// digits, '_' and '-', as every key we read), else <c>path["key"]</c> quoted with its control characters escaped
    /// and cut short as <see cref="InputText.Quote"/> does: key names come from the input and end up in messages.
    /// </summary>
    internal static string Child(string path, string key)
    {
        if (IsPlainKey(key))
            return path.Length == 0 ? key : path + "." + key;
        return path + "[" + InputText.Quote(key) + "]";
    }

    private static bool IsPlainKey(string key)
    {
        if (key.Length is 0 or > MaxPlainKey)
            return false;
        foreach (char c in key)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
                return false;
        return true;
    }

    internal static string Index(string path, int index) => $"{path}[{index}]";

    internal static InvalidConnectionPropertiesException Error(string path, string message) => new(path, message);

    internal static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
