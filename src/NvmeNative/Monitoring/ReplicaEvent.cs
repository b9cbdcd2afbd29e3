using System.Text;
using System.Text.Json;

namespace NvmeNative.Monitoring;

/// <summary>
/// One thing the monitor saw happen, with what names it: the volume (alias and md array uuid, when known), the
/// replica (target NQN and namespace identifier, when known), the kernel devices involved and when it was seen.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Timestamp">When the monitor saw it (UTC).</param>
/// <param name="VolumeAlias">The volume's alias from its replica-state record, or null when no record names the array.</param>
/// <param name="ArrayUuid">The md array uuid (32 lower-case hex digits), or null for an event outside any array.</param>
/// <param name="MdDevice">The md device (md127), or null.</param>
/// <param name="TargetNqn">The replica's target subsystem NQN, or null for an array-wide event.</param>
/// <param name="Namespace">The replica's namespace (<c>uuid:…</c>, <c>nguid:…</c> or <c>nsid:N</c>), or null.</param>
/// <param name="Devices">Kernel device names involved (nvme1n1, nvme1, md127).</param>
/// <param name="Detail">A short explanation (a state word, the rebuild position, a refusal's reason), or null.</param>
public sealed record ReplicaEvent(
    ReplicaEventKind Kind,
    DateTimeOffset Timestamp,
    string? VolumeAlias,
    string? ArrayUuid,
    string? MdDevice,
    string? TargetNqn,
    string? Namespace,
    IReadOnlyList<string> Devices,
    string? Detail = null)
{
    /// <summary>The kind as a stable snake_case word, e.g. <c>member_faulty</c>.</summary>
    public string KindName => KindNameOf(Kind);

    /// <summary>The snake_case word of <paramref name="kind"/>.</summary>
    public static string KindNameOf(ReplicaEventKind kind)
    {
        string name = kind.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsAsciiLetterUpper(name[i]) && i > 0)
                text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>The event as one line of JSON (snake_case keys, null fields left out), for <c>watch --json</c> and hooks.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event", KindName);
            w.WriteString("timestamp", Timestamp.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            WriteIfSet(w, "volume", VolumeAlias);
            WriteIfSet(w, "array_uuid", ArrayUuid);
            WriteIfSet(w, "md_device", MdDevice);
            WriteIfSet(w, "target_nqn", TargetNqn);
            WriteIfSet(w, "namespace", Namespace);
            w.WriteStartArray("devices");
            foreach (string d in Devices)
                w.WriteStringValue(d);
            w.WriteEndArray();
            WriteIfSet(w, "detail", Detail);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A readable line: time, kind, volume, replica, devices and detail.</summary>
    public override string ToString()
    {
        var text = new StringBuilder().Append(Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture))
            .Append(' ').Append(KindName);
        if (VolumeAlias is not null || MdDevice is not null)
            text.Append(" volume ").Append(VolumeAlias ?? "?").Append(" (").Append(MdDevice ?? "-").Append(')');
        if (TargetNqn is not null)
            text.Append(" replica ").Append(TargetNqn).Append(' ').Append(Namespace ?? "");
        if (Devices.Count > 0)
            text.Append(" [").Append(string.Join(' ', Devices)).Append(']');
        if (Detail is not null)
            text.Append(": ").Append(Detail);
        return text.ToString();
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
            w.WriteString(name, value);
    }
}
