using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text;
using NvmeNative.Md;
using NvmeNative.Nvme;
using static NvmeNative.Connector.JsonFields;

namespace NvmeNative.Connector;

/// <summary>
/// Turns os-brick connection properties (every format, see <see cref="ConnectionPropertiesFormat"/>) into a
/// <see cref="ConnectionProperties"/>. Reads the JSON once; never writes to it; throws
/// <see cref="InvalidConnectionPropertiesException"/> with the key path of the first bad value.
/// </summary>
internal static class ConnectionPropertiesParser
{
    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 32,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };


    private static readonly string[] OriginalKeys = ["target_portal", "target_port", "transport_type"];

    internal static InvalidConnectionPropertiesException NotJson(JsonException e) =>
        new("", "the connection properties are not valid JSON: " + e.Message, e);

    internal static InvalidConnectionPropertiesException TooLarge() =>
        new("", $"the connection properties are larger than {ConnectionProperties.MaxJsonBytes} bytes, the most accepted");

    internal static ConnectionProperties Parse(JsonElement root)
    {
        RequireDecodableStrings(root, "");
        var top = Read(root, "", "the connection properties");
        ConnectionProperties properties = top.Has("volume_replicas") ? ParseReplicated(top) : ParseSingle(top);
        return properties with
        {
            AccessMode = ParseAccessMode(top),
            Encrypted = OptionalBool(top, "encrypted"),
            Discard = OptionalBool(top, "discard"),
            Cacheable = OptionalBool(top, "cacheable"),
            EnforceMultipath = OptionalBool(top, "enforce_multipath"),
            AllowStaleStart = OptionalBool(top, "allow_stale_start"),
            AllowTakeover = OptionalBool(top, "allow_takeover"),
            QosSpecs = ParseQosSpecs(top),
            DevicePath = ParseDevicePath(top),
            ControllerTimeouts = ParseTimeouts(top, ""),
            ReplicaTimeouts = ParseTimeouts(top, ReplicaTimeoutPrefix),
        };
    }

    /// <summary>
    /// Every string and key of the document decodes: JSON may spell an unpaired surrogate (<c>"\ud800"</c>), which the
    /// reader accepts but refuses to turn into a string (InvalidOperationException) only when the value is read. One
    /// pass over the document (bounded by its size and depth) finds it first, with its key path.
    /// </summary>
    private static void RequireDecodableStrings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException e)
                    {
                        throw new InvalidConnectionPropertiesException(path, "has a key that is not valid Unicode (an unpaired surrogate escape)", e);
                    }
                    RequireDecodableStrings(property.Value, Child(path, name));
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                    RequireDecodableStrings(item, Index(path, i++));
                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidConnectionPropertiesException(path, "is not valid Unicode (an unpaired surrogate escape)", e);
                }
                break;
        }
    }

    /// <summary>The prefix of the per-volume controller timeouts of replica legs (<c>replica_fast_io_fail_tmo</c>, ...).</summary>
    internal const string ReplicaTimeoutPrefix = "replica_";

    /// <summary>
    /// NvmeNative's per-volume controller timeouts: <c>ctrl_loss_tmo</c> (-1 = reconnect for ever), <c>reconnect_delay</c>
    /// (at least 1), <c>fast_io_fail_tmo</c> (-1 = never fail early) and <c>keep_alive_tmo</c> (0 or more), whole seconds as
    /// the kernel takes them, each with <paramref name="prefix"/>; null when none is given.
    /// </summary>
    private static ControllerTimeouts? ParseTimeouts(JsonFields top, string prefix)
    {
        var timeouts = new ControllerTimeouts
        {
            ControllerLossTimeout = OptionalSeconds(top, prefix + "ctrl_loss_tmo", min: -1),
            ReconnectDelay = OptionalSeconds(top, prefix + "reconnect_delay", min: 1),
            FastIoFailTimeout = OptionalSeconds(top, prefix + "fast_io_fail_tmo", min: -1),
            KeepAliveTimeout = OptionalSeconds(top, prefix + "keep_alive_tmo", min: 0),
        };
        return timeouts.IsEmpty ? null : timeouts;
    }

    /// <summary>Whole seconds (a number or a decimal string), -1 as <see cref="Timeout.InfiniteTimeSpan"/>; null when absent.</summary>
    private static TimeSpan? OptionalSeconds(JsonFields top, string key, int min)
    {
        if (top.Get(key) is not JsonElement element)
            return null;
        string path = top.PathOf(key);
        long value;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value)) { }
        else if (element.ValueKind == JsonValueKind.String && element.GetString() is { } text &&
                 long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) &&
                 value.ToString(CultureInfo.InvariantCulture) == text) { }
        else
            throw Error(path, $"must be a whole number of seconds, not {(element.ValueKind == JsonValueKind.String ? InputText.Quote(element.GetString()) : element.GetRawText())}");
        if (value < min || value > int.MaxValue)
            throw Error(path, $"{value} is out of range: at least {min}{(min == -1 ? " (-1: for ever)" : "")}");
        return value == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(value);
    }

    private static ConnectionProperties ParseSingle(JsonFields top)
    {
        var target = ParseTarget(top, out var format);
        return new ConnectionProperties(format, [target]);
    }

    private static ConnectionProperties ParseReplicated(JsonFields top)
    {
        foreach (string key in (string[])["target_nqn", "portals", "nqn", .. OriginalKeys])
            if (top.Has(key))
                throw Error(top.PathOf(key), "cannot be combined with volume_replicas: each replica names its own target " +
                    "(os-brick would ignore this key; refusing ambiguous input)");

        NvmeUuid volumeId = RequiredUuid(top, "vol_uuid", "uuid", "the replicated format needs the volume's UUID");

        var replicasElement = top.Get("volume_replicas")!.Value;
        string replicasPath = top.PathOf("volume_replicas");
        if (replicasElement.ValueKind != JsonValueKind.Array)
            throw Error(replicasPath, $"must be an array of targets, not {Kind(replicasElement)}");
        int listed = replicasElement.GetArrayLength();
        if (listed == 0)
            throw Error(replicasPath, "lists no replica: there is nothing to attach");
        if (listed > ConnectionProperties.MaxReplicas)
            throw Error(replicasPath, $"lists {listed} replicas; at most {ConnectionProperties.MaxReplicas} are supported");

        var targets = ImmutableArray.CreateBuilder<TargetProperties>(listed);
        var seen = new ReplicaNamespaces();
        int i = 0;
        foreach (var replicaElement in replicasElement.EnumerateArray())
        {
            string path = Index(replicasPath, i);
            var target = ParseTarget(Read(replicaElement, path, "a replica"), out _);
            if (seen.Add(target, i) is var (j, same) && j >= 0)
                throw Error(path, same
                    ? $"is the same target and namespace as {Index(replicasPath, j)}"
                    : $"names the same namespace as {Index(replicasPath, j)} (the same NQN and namespace, or the same namespace UUID or NGUID): " +
                      "the mirrors of an md array must be different namespaces");
            targets.Add(target);
            i++;
        }

        int replicaCount = ParseReplicaCount(top, listed);
        string? alias = ParseAlias(top, replicaCount);
        return new ConnectionProperties(ConnectionPropertiesFormat.Replicated, targets.MoveToImmutable())
        {
            VolumeId = volumeId,
            Alias = alias,
            ReplicaCount = replicaCount,
        };
    }

    /// <summary>One target, in the original flat format or the new format (tuple or dict portals).</summary>
    private static TargetProperties ParseTarget(JsonFields o, out ConnectionPropertiesFormat format)
    {
        Nqn nqn;
        ImmutableArray<Portal> portals;
        ImmutableArray<string> addressKeys;
        string? originalKey = Array.Find(OriginalKeys, o.ContainsKey);
        if (o.Has("portals") || o.Has("target_nqn"))
        {
            if (originalKey is not null)
                throw Error(o.PathOf(originalKey), "cannot be combined with target_nqn/portals: the original format uses " +
                    "nqn, target_portal, target_port and transport_type, the new format target_nqn and portals");
            format = ConnectionPropertiesFormat.Target;
            nqn = RequiredNqn(o, "target_nqn", "nqn");
            if (!o.Has("portals"))
                throw Error(o.PathOf("portals"), o.ContainsKey("portals") ? "is null: at least one portal is needed" : "is missing: the new format needs portals next to target_nqn");
            portals = ParsePortals(o.Get("portals")!.Value, o.PathOf("portals"), out addressKeys);
        }
        else if (o.Has("nqn") || originalKey is not null)
        {
            format = ConnectionPropertiesFormat.Original;
            nqn = RequiredNqn(o, "nqn", null);
            string addressPath = o.PathOf("target_portal");
            string address = RequiredString(o, "target_portal", "the original format needs target_portal");
            ushort port = ParsePort(Required(o, "target_port", "the original format needs target_port"), o.PathOf("target_port"));
            Transport transport = ParseTransport(Required(o, "transport_type", "the original format needs transport_type"), o.PathOf("transport_type"));
            portals = [new Portal(NormalizeAddress(address, addressPath), port, transport)];
            addressKeys = [addressPath];
        }
        else
        {
            throw Error(o.Path, "no target is named: expected target_nqn and portals (new format), nqn, target_portal, " +
                "target_port and transport_type (original format), or volume_replicas (replicated format)");
        }

        return new TargetProperties(nqn, portals,
            OptionalNamespaceUuid(o),
            OptionalNguid(o),
            OptionalNamespaceId(o),
            o.Has("host_nqn") ? ParseNqn(o.Get("host_nqn")!.Value, o.PathOf("host_nqn")) : null)
        {
            PortalAddressKeys = addressKeys,
        };
    }

    private static ImmutableArray<Portal> ParsePortals(JsonElement element, string path, out ImmutableArray<string> addressKeys)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw Error(path, $"must be an array of [address, port, transport] or {{\"address\",\"port\",\"transport\"}}, not {Kind(element)}");
        int count = element.GetArrayLength();
        if (count == 0)
            throw Error(path, "is empty: at least one portal is needed");
        if (count > ConnectionProperties.MaxPortals)
            throw Error(path, $"lists {count} portals; at most {ConnectionProperties.MaxPortals} are supported");
        var portals = ImmutableArray.CreateBuilder<Portal>(count);
        var keys = ImmutableArray.CreateBuilder<string>(count);
        var seen = new Dictionary<Portal, int>(count);
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            string itemPath = Index(path, i);
            Portal portal = ParsePortal(item, itemPath, out string addressKey);
            if (!seen.TryAdd(portal, i))
                throw Error(itemPath, $"is the same portal as {Index(path, seen[portal])} ({portal})");
            portals.Add(portal);
            keys.Add(addressKey);
            i++;
        }
        addressKeys = keys.MoveToImmutable();
        return portals.MoveToImmutable();
    }

    private static Portal ParsePortal(JsonElement item, string path, out string addressPath)
    {
        JsonElement address, port, transport;
        string portPath, transportPath;
        if (item.ValueKind == JsonValueKind.Array)
        {
            int n = item.GetArrayLength();
            if (n != 3)
                throw Error(path, $"must be [address, port, transport], but has {n} element{(n == 1 ? "" : "s")}");
            (address, port, transport) = (item[0], item[1], item[2]);
            (addressPath, portPath, transportPath) = (Index(path, 0), Index(path, 1), Index(path, 2));
        }
        else if (item.ValueKind == JsonValueKind.Object)
        {
            var fields = Read(item, path, "a portal");
            address = Required(fields, "address", "a portal needs address, port and transport");
            port = Required(fields, "port", "a portal needs address, port and transport");
            transport = Required(fields, "transport", "a portal needs address, port and transport");
            (addressPath, portPath, transportPath) = (fields.PathOf("address"), fields.PathOf("port"), fields.PathOf("transport"));
        }
        else
        {
            throw Error(path, $"must be [address, port, transport] or {{\"address\",\"port\",\"transport\"}}, not {Kind(item)}");
        }
        if (address.ValueKind != JsonValueKind.String)
            throw Error(addressPath, $"must be a string (an IP address or host name), not {Kind(address)}");
        return new Portal(NormalizeAddress(address.GetString()!, addressPath), ParsePort(port, portPath), ParseTransport(transport, transportPath));
    }

    private static string NormalizeAddress(string address, string path) =>
        Portal.NormalizeAddress(address, out _, out string? error) ?? throw Error(path, error!);

    private static ushort ParsePort(JsonElement element, string path)
    {
        long value;
        if (element.ValueKind == JsonValueKind.Number)
        {
            if (!element.TryGetInt64(out value))
                throw Error(path, $"must be a whole number 1..65535, not {element.GetRawText()}");
        }
        else if (element.ValueKind == JsonValueKind.String)
        {
            string text = element.GetString()!;
            if (!InputText.IsDecimalDigits(text) || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
                throw Error(path, $"{InputText.Quote(text)} is not a port number: expected decimal digits 1..65535");
        }
        else
        {
            throw Error(path, $"must be a port number (integer or string), not {Kind(element)}");
        }
        return value is >= 1 and <= ushort.MaxValue
            ? (ushort)value
            : throw Error(path, $"{value} is out of range for a port: expected 1..65535");
    }

    private static Transport ParseTransport(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.String)
            throw Error(path, $"must be a transport name (tcp, rdma or RoCEv2), not {Kind(element)}");
        string text = element.GetString()!;
        // os-brick: RoCEv2 and rdma are rdma; it turns anything else into tcp, which hides typos and FC.
        if (text.Equals("tcp", StringComparison.OrdinalIgnoreCase))
            return Transport.Tcp;
        if (text.Equals("rdma", StringComparison.OrdinalIgnoreCase) || text.Equals("RoCEv2", StringComparison.OrdinalIgnoreCase))
            return Transport.Rdma;
        throw Error(path, $"{InputText.Quote(text)} is not a supported transport: expected tcp, rdma or RoCEv2");
    }

    private static Nqn RequiredNqn(JsonFields o, string key, string? alternateKey)
    {
        bool hasKey = o.Has(key), hasAlternate = alternateKey is not null && o.Has(alternateKey);
        if (!hasKey && !hasAlternate)
            throw Error(o.PathOf(key), "is missing: the subsystem NQN is required");
        Nqn? primary = hasKey ? ParseNqn(o.Get(key)!.Value, o.PathOf(key)) : null;
        Nqn? alternate = hasAlternate ? ParseNqn(o.Get(alternateKey!)!.Value, o.PathOf(alternateKey!)) : null;
        if (primary is not null && alternate is not null && primary != alternate)
            throw Error(o.PathOf(alternateKey!), $"{InputText.Quote(alternate.Value)} differs from {key} {InputText.Quote(primary.Value)}");
        return (primary ?? alternate)!;
    }

    private static Nqn ParseNqn(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.String)
            throw Error(path, $"must be an NQN string, not {Kind(element)}");
        return Nqn.TryParse(element.GetString(), out var nqn, out string? error) ? nqn : throw Error(path, error);
    }

    private static NvmeUuid RequiredUuid(JsonFields o, string key, string alternateKey, string why)
    {
        NvmeUuid? uuid = OptionalUuid(o, key, alternateKey, allowZero: true);
        return uuid ?? throw Error(o.PathOf(key), $"is missing: {why}");
    }

    private static NvmeUuid? OptionalNamespaceUuid(JsonFields o) => OptionalUuid(o, "vol_uuid", "uuid", allowZero: false);

    private static NvmeUuid? OptionalUuid(JsonFields o, string key, string alternateKey, bool allowZero)
    {
        NvmeUuid? primary = ParseUuidKey(o, key, allowZero);
        NvmeUuid? alternate = ParseUuidKey(o, alternateKey, allowZero);
        if (primary is not null && alternate is not null && primary != alternate)
            throw Error(o.PathOf(alternateKey), $"{alternate} differs from {key} {primary}");
        return primary ?? alternate;
    }

    private static NvmeUuid? ParseUuidKey(JsonFields o, string key, bool allowZero)
    {
        if (OptionalIdentifierText(o, key) is not string text)
            return null;
        if (!NvmeUuid.TryParse(text, out var uuid))
            throw Error(o.PathOf(key), NvmeUuid.Describe(text, "UUID"));
        if (uuid.IsZero && !allowZero)
            throw Error(o.PathOf(key), "is the all-zero UUID, which cannot identify a namespace (the kernel hides it)");
        return uuid;
    }

    private static Nguid? OptionalNguid(JsonFields o)
    {
        if (OptionalIdentifierText(o, "volume_nguid") is not string text)
            return null;
        if (!Nguid.TryParse(text, out var nguid))
            throw Error(o.PathOf("volume_nguid"), NvmeUuid.Describe(text, "NGUID"));
        return nguid.IsZero
            ? throw Error(o.PathOf("volume_nguid"), "is the all-zero NGUID, which means \"no NGUID\" and cannot identify a namespace")
            : nguid;
    }

    private static NamespaceId? OptionalNamespaceId(JsonFields o)
    {
        if (o.Get("ns_id") is not JsonElement element)
            return null;
        string path = o.PathOf("ns_id");
        string text;
        if (element.ValueKind == JsonValueKind.Number)
            text = element.GetRawText();
        else if (element.ValueKind == JsonValueKind.String)
            text = element.GetString()!;
        else
            throw Error(path, $"must be a namespace ID (integer or string), not {Kind(element)}");
        if (text.Length == 0)
            return null; // os-brick: a falsy identifier means "none"
        return NamespaceId.TryParse(text, out var nsid)
            ? nsid
            : throw Error(path, $"{InputText.Quote(text)} is not a namespace ID: expected decimal digits 1..{NamespaceId.MaxValue}");
    }

    /// <summary>A string identifier; "" counts as absent, as os-brick treats falsy identifiers.</summary>
    private static string? OptionalIdentifierText(JsonFields o, string key)
    {
        if (o.Get(key) is not JsonElement element)
            return null;
        if (element.ValueKind != JsonValueKind.String)
            throw Error(o.PathOf(key), $"must be a string, not {Kind(element)}");
        string text = element.GetString()!;
        return text.Length == 0 ? null : text;
    }

    private static int ParseReplicaCount(JsonFields top, int listed)
    {
        string path = top.PathOf("replica_count");
        if (!top.ContainsKey("replica_count"))
            throw Error(path, "is missing: the replicated format needs it (without it a missing replica goes unnoticed, os-brick bug #1938870)");
        if (top.Get("replica_count") is not JsonElement element)
            return listed; // os-brick: a falsy count means "as many as listed"
        long count;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out count)) { }
        else if (element.ValueKind == JsonValueKind.String && InputText.IsDecimalDigits(element.GetString()) &&
                 long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out count)) { }
        else
            throw Error(path, $"must be a whole number, not {(element.ValueKind == JsonValueKind.String ? InputText.Quote(element.GetString()) : element.GetRawText())}");
        if (count == 0)
            return listed;
        if (count < 0 || count > int.MaxValue)
            throw Error(path, $"{count} is not a replica count");
        if (count > ConnectionProperties.MaxReplicas)
            throw Error(path, $"is {count}; at most {ConnectionProperties.MaxReplicas} replicas are supported");
        if (count < listed)
            throw Error(path, $"is {count}, but volume_replicas lists {listed} replicas");
        return (int)count;
    }

    private static string? ParseAlias(JsonFields top, int replicaCount)
    {
        string path = top.PathOf("alias");
        if (top.Get("alias") is not JsonElement element)
            return replicaCount > 1
                ? throw Error(path, $"is missing: a volume of {replicaCount} replicas is an md array named by its alias")
                : null;
        if (element.ValueKind != JsonValueKind.String)
            throw Error(path, $"must be a string, not {Kind(element)}");
        string alias = element.GetString()!;
        if (alias.Length == 0)
            return replicaCount > 1 ? throw Error(path, "is empty: the md array needs a name") : null;
        if (InputText.FindInjection(alias) is string bad)
            throw Error(path, $"{InputText.Quote(alias)} contains {bad}");
        if (alias.Contains('/') || alias is "." or "..")
            throw Error(path, $"{InputText.Quote(alias)} cannot name a file in /dev/md");
        int bytes = Encoding.UTF8.GetByteCount(alias);
        if (bytes > MdArrayName.MaxBytes)
            throw Error(path, $"is {bytes} bytes long; an md array name holds at most {MdArrayName.MaxBytes}");
        if (!MdArrayName.TryParse(alias, out _))
            throw Error(path, $"{InputText.Quote(alias)} cannot name an md array: only ASCII letters, digits and ._+- are allowed");
        return alias;
    }

    private static AccessMode ParseAccessMode(JsonFields top)
    {
        if (top.Get("access_mode") is not JsonElement element)
            return AccessMode.ReadWrite;
        return element.ValueKind == JsonValueKind.String && element.GetString() is "rw" ? AccessMode.ReadWrite
            : element.ValueKind == JsonValueKind.String && element.GetString() is "ro" ? AccessMode.ReadOnly
            : throw Error(top.PathOf("access_mode"), $"must be \"rw\" or \"ro\", not {(element.ValueKind == JsonValueKind.String ? InputText.Quote(element.GetString()) : Kind(element))}");
    }

    private static bool OptionalBool(JsonFields top, string key) => top.Get(key) switch
    {
        null => false,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        JsonElement other => throw Error(top.PathOf(key), $"must be true or false, not {Kind(other)}"),
    };

    private static JsonElement? ParseQosSpecs(JsonFields top)
    {
        if (top.Get("qos_specs") is not JsonElement element)
            return null;
        // Clone: the value must outlive (and be independent of) the caller's document.
        return element.ValueKind == JsonValueKind.Object
            ? element.Clone()
            : throw Error(top.PathOf("qos_specs"), $"must be an object, not {Kind(element)}");
    }

    private static string? ParseDevicePath(JsonFields top)
    {
        if (top.Get("device_path") is not JsonElement element)
            return null;
        string path = top.PathOf("device_path");
        if (element.ValueKind != JsonValueKind.String)
            throw Error(path, $"must be a string, not {Kind(element)}");
        string value = element.GetString()!;
        if (value.Length == 0)
            return null;
        if (value[0] != '/')
            throw Error(path, $"{InputText.Quote(value)} is not an absolute path");
        if (Encoding.UTF8.GetByteCount(value) > ConnectionProperties.MaxDevicePathBytes)
            throw Error(path, $"is longer than {ConnectionProperties.MaxDevicePathBytes} bytes, the longest path Linux takes");
        foreach (char c in value)
            if (char.IsControl(c))
                throw Error(path, $"{InputText.Quote(value)} contains the control character U+{(int)c:X4}");
        return value;
    }

    private static JsonElement Required(JsonFields o, string key, string why) =>
        o.Get(key) ?? throw Error(o.PathOf(key), (o.ContainsKey(key) ? "is null: " : "is missing: ") + why);

    private static string RequiredString(JsonFields o, string key, string why)
    {
        var element = Required(o, key, why);
        return element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw Error(o.PathOf(key), $"must be a string, not {Kind(element)}");
    }
}
