using System.Globalization;
using System.Text.Json;
using System.Text;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>Writes <see cref="ConnectionProperties"/> back as os-brick JSON (no reflection: AOT-safe).</summary>
internal static class ConnectionPropertiesWriter
{
    internal static string ToJson(ConnectionProperties properties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            Write(writer, properties);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    internal static void Write(Utf8JsonWriter writer, ConnectionProperties p)
    {
        writer.WriteStartObject();
        if (p.IsReplicated)
        {
            writer.WriteString("vol_uuid", p.VolumeId!.Value.ToString());
            if (p.Alias is not null)
                writer.WriteString("alias", p.Alias);
            writer.WriteNumber("replica_count", p.ReplicaCount);
            writer.WriteStartArray("volume_replicas");
            foreach (var target in p.Targets)
            {
                writer.WriteStartObject();
                WriteTarget(writer, target);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        else
        {
            WriteTarget(writer, p.Targets[0]);
        }
        writer.WriteString("access_mode", p.AccessMode == AccessMode.ReadOnly ? "ro" : "rw");
        WriteFlag(writer, "encrypted", p.Encrypted);
        WriteFlag(writer, "discard", p.Discard);
        WriteFlag(writer, "cacheable", p.Cacheable);
        WriteFlag(writer, "enforce_multipath", p.EnforceMultipath);
        WriteFlag(writer, "allow_stale_start", p.AllowStaleStart);
        WriteFlag(writer, "allow_takeover", p.AllowTakeover);
        WriteTimeouts(writer, "", p.ControllerTimeouts);
        WriteTimeouts(writer, ConnectionPropertiesParser.ReplicaTimeoutPrefix, p.ReplicaTimeouts);
        if (p.QosSpecs is JsonElement qos)
        {
            writer.WritePropertyName("qos_specs");
            qos.WriteTo(writer);
        }
        if (p.DevicePath is not null)
            writer.WriteString("device_path", p.DevicePath);
        writer.WriteEndObject();
    }

    private static void WriteTarget(Utf8JsonWriter writer, TargetProperties t)
    {
        writer.WriteString("target_nqn", t.SubsystemNqn.Value);
        writer.WriteStartArray("portals");
        foreach (var portal in t.Portals)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(portal.Address);
            writer.WriteStringValue(portal.Port.ToString(CultureInfo.InvariantCulture));
            writer.WriteStringValue(portal.Transport.KernelName());
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        if (t.NamespaceUuid is NvmeUuid uuid)
            writer.WriteString("vol_uuid", uuid.ToString());
        if (t.Nguid is Nguid nguid)
            writer.WriteString("volume_nguid", nguid.ToString());
        if (t.NamespaceId is NamespaceId nsid)
            writer.WriteString("ns_id", nsid.ToString()); // a string: os-brick compares it with sysfs as text
        if (t.HostNqn is not null)
            writer.WriteString("host_nqn", t.HostNqn.Value);
    }

    private static void WriteTimeouts(Utf8JsonWriter writer, string prefix, ControllerTimeouts? timeouts)
    {
        static void Seconds(Utf8JsonWriter writer, string name, TimeSpan? value)
        {
            if (value is { } t)
                writer.WriteNumber(name, t == Timeout.InfiniteTimeSpan ? -1 : (long)t.TotalSeconds);
        }
        if (timeouts is null)
            return;
        Seconds(writer, prefix + "ctrl_loss_tmo", timeouts.ControllerLossTimeout);
        Seconds(writer, prefix + "reconnect_delay", timeouts.ReconnectDelay);
        Seconds(writer, prefix + "fast_io_fail_tmo", timeouts.FastIoFailTimeout);
        Seconds(writer, prefix + "keep_alive_tmo", timeouts.KeepAliveTimeout);
    }

    private static void WriteFlag(Utf8JsonWriter writer, string name, bool value)
    {
        if (value)
            writer.WriteBoolean(name, true);
    }
}
