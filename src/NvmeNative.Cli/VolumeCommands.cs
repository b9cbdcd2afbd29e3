using System.Text.Json;
using NvmeNative.Connector;

namespace NvmeNative.Cli;

/// <summary>
/// The os-brick verbs: <c>attach</c>, <c>detach</c>, <c>paths</c>, <c>extend</c> and <c>connector-properties</c>,
/// each one call of <see cref="NvmeOfConnector"/> printing one JSON value. The long ones (attach, detach, extend)
/// take <paramref name="cancellationToken"/>, which SIGINT and SIGTERM cancel.
/// </summary>
internal sealed class VolumeCommands(NvmeOfConnector connector, TextReader stdin, TextWriter stdout, CancellationToken cancellationToken)
{
    internal int Attach(string propsSource, bool force, bool takeover)
    {
        var props = ReadProperties(propsSource);
        if (force || takeover)
            props = props with { AllowStaleStart = props.AllowStaleStart || force, AllowTakeover = props.AllowTakeover || takeover };
        var volume = connector.Connect(props, cancellationToken);
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("type", volume.Type);
            w.WriteString("path", volume.Path);
            if (volume.Replication is { } replication)
                ReplicationJson.Write(w, replication);
            w.WriteEndObject();
        });
        return CliApp.Ok;
    }

    internal int Detach(string propsSource, string? deviceInfo, bool force, bool ignoreErrors)
    {
        var props = ReadProperties(propsSource);
        string? devicePath = deviceInfo is null ? null : DevicePathOf(deviceInfo);
        var result = connector.Disconnect(props, devicePath, force, ignoreErrors, cancellationToken);
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            if (result.Path is null)
                w.WriteNull("path");
            else
                w.WriteString("path", result.Path);
            JsonOutput.WriteArray(w, "deleted_controllers", result.DeletedControllers);
            JsonOutput.WriteArray(w, "kept_controllers", result.KeptControllers);
            JsonOutput.WriteArray(w, "ignored_errors", result.Errors.Select(e => e.Message));
            w.WriteEndObject();
        });
        return CliApp.Ok;
    }

    internal int Paths(string propsSource)
    {
        var paths = connector.GetVolumePaths(ReadProperties(propsSource));
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartArray();
            foreach (var p in paths)
                w.WriteStringValue(p);
            w.WriteEndArray();
        });
        return CliApp.Ok;
    }

    internal int Extend(string propsSource)
    {
        long size = connector.Extend(ReadProperties(propsSource), cancellationToken);
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", size);
            w.WriteEndObject();
        });
        return CliApp.Ok;
    }

    internal int ConnectorProperties()
    {
        var p = connector.GetConnectorProperties();
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("nqn", p.HostNqn.Value);
            w.WriteString("nvme_hostid", p.HostId.ToString());
            if (p.RootFilesystemUuid is { } uuid)
                w.WriteString("uuid", uuid);
            if (p.SystemUuid is { } system)
                w.WriteString("system uuid", system.ToString());
            w.WriteBoolean("nvme_native_multipath", p.NativeMultipath);
            w.WriteEndObject();
        });
        return CliApp.Ok;
    }

    /// <summary>os-brick's <c>device_info["path"]</c> from <c>--device-info</c>; null when the object has no path.</summary>
    private static string? DevicePathOf(string deviceInfo)
    {
        try
        {
            using var doc = JsonDocument.Parse(deviceInfo);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException("--device-info must be a JSON object such as {\"path\": \"/dev/nvme0n1\"}");
            return doc.RootElement.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new UsageException($"--device-info is not JSON: {e.Message}");
        }
    }

    /// <summary>
    /// PROPS from standard input (<c>-</c>) or a file, read through the library's bounded parser: at most
    /// <see cref="ConnectionProperties.MaxJsonBytes"/> and one more are read, so a larger input (or an endless one) is
    /// refused as invalid input without being read into memory.
    /// </summary>
    private ConnectionProperties ReadProperties(string source)
    {
        try
        {
            if (source == "-")
                return ConnectionProperties.Parse(stdin);
            using var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            return ConnectionProperties.Parse(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read connection properties from {source}: {e.Message}");
        }
    }
}
