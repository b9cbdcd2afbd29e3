using System.Text.Json;
using System.Text;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;

namespace NvmeNative.Cli;

/// <summary>
/// <c>nvmenative</c>: parses arguments, reads os-brick connection properties (a file or <c>-</c> for stdin),
/// calls the library and prints one JSON value. Exit 0 on success, 2 on invalid input (nothing was changed),
/// 1 when an operation failed (after its rollback).
/// </summary>
internal static class CliApp
{
    internal const int Ok = 0;
    internal const int Failed = 1;
    internal const int Usage = 2;

    private const string Help = """
        usage: nvmenative [-v|--verbose] [-vv] COMMAND [ARGS]
          attach PROPS [--force] [--takeover] [--state-store URI]
                                             attach a volume; prints {"type":"block","path":...} (a replicated
                                             volume adds how its array started and which replicas were left out)
          detach PROPS [--device-info JSON] [--force] [--ignore-errors] [--state-store URI]
                                             flush and detach a volume; prints what was deleted
          paths PROPS                        the volume's device paths (JSON array)
          extend PROPS [--state-store URI]   make the host see a volume grown on the target; prints {"size": BYTES}
          connector-properties               this host's connector properties (os-brick keys)
          list [--json]                      NVMe subsystems, controllers and namespaces
          watch [--json] [--heal] [--on-event CMD] [--state-store URI]
                                             watch replicated volumes until SIGINT/SIGTERM (then exit 0): one line
                                             per event (member faulty, path lost, re-added, rebuild, degraded, ...),
                                             written to the replica-state record as it happens; --heal re-adds a
                                             failed replica when it is reachable again (a full rebuild when md will
                                             not re-add it); --on-event runs CMD (sh -c) per event with its JSON on
                                             stdin, retried on failure, never blocking the watch
        PROPS is a file holding os-brick connection_properties JSON, or - for standard input.
        attach --force starts a replicated volume even when the replicas reached cannot be proven current (allow_stale_start);
        attach --takeover attaches one the replica-state record says another host holds (allow_takeover).
        --state-store URI (or NVMENATIVE_STATE_STORE): where replica-state records are kept: file:DIR (default
        file:/var/lib/nvmenative/replicas) or etcd:http://HOST:PORT[?prefix=/nvmenative].
        -v logs what was done (controllers connected, reused, rolled back, deleted) on stderr; -vv adds debug lines.
        """;

    internal static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, NvmeOfConnectorOptions? options = null)
    {
        int verbosity = args.Count(a => a is "-v" or "--verbose") + 2 * args.Count(a => a == "-vv");
        if (verbosity > 0)
        {
            args = args.Where(a => a is not ("-v" or "--verbose" or "-vv")).ToArray();
            options = (options ?? new NvmeOfConnectorOptions()) with
            {
                Logger = new StderrLogger(stderr, verbosity > 1 ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Information),
            };
        }
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Help);
            return args.Length == 0 ? Usage : Ok;
        }
        try
        {
            var parsed = args[0] switch
            {
                "attach" => Rest(args, 1, ["--force", "--takeover"], [StateStoreOption]),
                "detach" => Rest(args, 1, ["--force", "--ignore-errors"], ["--device-info", StateStoreOption]),
                "paths" or "extend" => Rest(args, 1, [], [StateStoreOption]),
                "watch" => Rest(args, 0, ["--json", "--heal"], ["--on-event", StateStoreOption]),
                _ => null,
            };
            if (parsed is not null && StateStore(parsed) is { } store)
                options = (options ?? new NvmeOfConnectorOptions()) with { ReplicaStateStore = store };
            var connector = new NvmeOfConnector(options);
            return args[0] switch
            {
                "attach" => Attach(connector, parsed!, stdin, stdout),
                "detach" => Detach(connector, parsed!, stdin, stdout),
                "paths" => Paths(connector, parsed!, stdin, stdout),
                "extend" => Extend(connector, parsed!, stdin, stdout),
                "connector-properties" => ConnectorProperties(connector, Rest(args, 0, []), stdout),
                "list" => ListCommand.Run(connector.Topology, Rest(args, 0, ["--json"]), stdout),
                "watch" => WatchCommand.Run(options, parsed!, stdout, stderr),
                _ => throw new UsageException($"unknown command '{args[0]}' (try --help)"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"nvmenative: {e.Message}");
            return Usage;
        }
        catch (InvalidInputException e)
        {
            stderr.WriteLine($"nvmenative: invalid input: {e.Message}");
            return Usage;
        }
        catch (AttachFailedException e)
        {
            stderr.WriteLine($"nvmenative: {e.Message}{Meaning(e)}");
            if (e.InnerException is ReplicaStartRefusedException)
                stderr.WriteLine("nvmenative: to start from these replicas anyway (data written since they fell behind is lost), attach again with --force");
            return Failed;
        }
        catch (NvmeNativeException e)
        {
            stderr.WriteLine($"nvmenative: {e.Message}{Meaning(e)}");
            if (e is VolumeOwnedElsewhereException)
                stderr.WriteLine("nvmenative: if that host no longer uses the volume (crashed, fenced), attach again with --takeover");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("nvmenative: cancelled");
            return Failed;
        }
    }

    private static string Meaning(NvmeNativeException e) =>
        (e.InnerException as FabricsConnectException ?? e as FabricsConnectException) is { } f ? $" [{f.Meaning}]" : "";

    private const string StateStoreOption = "--state-store";

    /// <summary>The replica-state store named by --state-store or NVMENATIVE_STATE_STORE, or null for the default file store.</summary>
    private static IReplicaStateStore? StateStore(Parsed a)
    {
        string? uri = a.Value(StateStoreOption) ?? Environment.GetEnvironmentVariable("NVMENATIVE_STATE_STORE");
        return string.IsNullOrEmpty(uri) ? null : ReplicaStateStores.Create(uri);
    }

    private static int Attach(NvmeOfConnector connector, Parsed a, TextReader stdin, TextWriter stdout)
    {
        var props = ReadProperties(a.Single("PROPS"), stdin);
        if (a.Flag("--force") || a.Flag("--takeover"))
            props = props with { AllowStaleStart = props.AllowStaleStart || a.Flag("--force"), AllowTakeover = props.AllowTakeover || a.Flag("--takeover") };
        var volume = connector.Connect(props);
        WriteJson(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("type", volume.Type);
            w.WriteString("path", volume.Path);
            if (volume.Replication is { } replication)
                ReplicationJson.Write(w, replication);
            w.WriteEndObject();
        });
        return Ok;
    }

    private static int Detach(NvmeOfConnector connector, Parsed a, TextReader stdin, TextWriter stdout)
    {
        var props = ReadProperties(a.Single("PROPS"), stdin);
        string? devicePath = null;
        if (a.Value("--device-info") is { } info)
        {
            try
            {
                using var doc = JsonDocument.Parse(info);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new UsageException("--device-info must be a JSON object such as {\"path\": \"/dev/nvme0n1\"}");
                if (doc.RootElement.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String)
                    devicePath = p.GetString();
            }
            catch (JsonException e)
            {
                throw new UsageException($"--device-info is not JSON: {e.Message}");
            }
        }
        var result = connector.Disconnect(props, devicePath, a.Flag("--force"), a.Flag("--ignore-errors"));
        WriteJson(stdout, w =>
        {
            w.WriteStartObject();
            if (result.Path is null)
                w.WriteNull("path");
            else
                w.WriteString("path", result.Path);
            WriteArray(w, "deleted_controllers", result.DeletedControllers);
            WriteArray(w, "kept_controllers", result.KeptControllers);
            WriteArray(w, "ignored_errors", result.Errors.Select(e => e.Message));
            w.WriteEndObject();
        });
        return Ok;
    }

    private static int Paths(NvmeOfConnector connector, Parsed a, TextReader stdin, TextWriter stdout)
    {
        var props = ReadProperties(a.Single("PROPS"), stdin);
        var paths = connector.GetVolumePaths(props);
        WriteJson(stdout, w =>
        {
            w.WriteStartArray();
            foreach (var p in paths)
                w.WriteStringValue(p);
            w.WriteEndArray();
        });
        return Ok;
    }

    private static int Extend(NvmeOfConnector connector, Parsed a, TextReader stdin, TextWriter stdout)
    {
        var props = ReadProperties(a.Single("PROPS"), stdin);
        long size = connector.Extend(props);
        WriteJson(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("size", size);
            w.WriteEndObject();
        });
        return Ok;
    }

    private static int ConnectorProperties(NvmeOfConnector connector, Parsed a, TextWriter stdout)
    {
        a.None();
        var p = connector.GetConnectorProperties();
        WriteJson(stdout, w =>
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
        return Ok;
    }

    private static ConnectionProperties ReadProperties(string source, TextReader stdin)
    {
        string json;
        try
        {
            json = source == "-" ? stdin.ReadToEnd() : File.ReadAllText(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read connection properties from {source}: {e.Message}");
        }
        return ConnectionProperties.Parse(json);
    }

    internal static void WriteJson(TextWriter stdout, Action<Utf8JsonWriter> write)
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

    private static Parsed Rest(string[] args, int positionals, string[] flags, string[]? valued = null) =>
        Parsed.From(args.AsSpan(1), positionals, flags, valued ?? []);
}
