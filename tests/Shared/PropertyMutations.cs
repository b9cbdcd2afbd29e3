using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NvmeNative.Connector;

namespace NvmeNative.TestSupport;

/// <summary>One generated input: its seed and case number (to reproduce it), what was done, and the text.</summary>
internal sealed record MutatedProperties(int Seed, int Case, IReadOnlyList<string> Mutations, string Json)
{
    public override string ToString() => $"seed {Seed} case {Case}: {string.Join("; ", Mutations)}";
}

/// <summary>
/// A seeded, reproducible generator of invalid connection properties: it takes one of several valid documents (every
/// format: original, target with tuple or dict portals, replicated with uuid/nguid/nsid replicas) and applies one to
/// three mutations, each of which alone makes the document invalid and which keep it invalid together (a later one
/// only removes or overwrites what an earlier one broke by breaking it again): a required key removed or nulled, a
/// value of the wrong type, an injection character or an oversized value in an NQN, address, host name or alias, a
/// number out of range, a duplicated portal or replica, replicas naming one namespace, a list over its cap, too deep
/// a nesting, conflicting keys, or the text cut short or followed by more. Same seed, same cases.
/// </summary>
internal sealed class PropertyMutations(int seed)
{
    private const string Uuid0 = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";

    /// <summary>The valid documents mutations start from (each parses; a test checks it).</summary>
    internal static readonly string[] ValidDocuments =
    [
        $$"""{"target_nqn": "nqn.2024-01.com.example:vol", "vol_uuid": "{{Uuid0}}", "portals": [["10.0.0.1", 4420, "tcp"], ["fe80::1%eth0", "4420", "rdma"]]}""",
        """{"nqn": "nqn.2024-01.com.example:vol", "portals": [{"address": "target.example.com", "port": 4420, "transport": "tcp"}], "ns_id": 7, "host_nqn": "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555", "access_mode": "ro", "encrypted": false, "qos_specs": {"read_iops_sec": 100}, "device_path": "/dev/nvme0n1", "ctrl_loss_tmo": 600}""",
        """{"nqn": "nqn.2024-01.com.example:vol", "transport_type": "tcp", "target_portal": "10.0.0.1", "target_port": "4420", "volume_nguid": "0123456789abcdef0123456789abcdef"}""",
        $$"""
        {"vol_uuid": "{{Uuid0}}", "alias": "vol1", "replica_count": 2, "replica_ctrl_loss_tmo": 5, "volume_replicas": [
          {"target_nqn": "nqn.2024-01.com.example:r0", "vol_uuid": "1f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [["10.0.0.1", 4420, "tcp"]]},
          {"target_nqn": "nqn.2024-01.com.example:r1", "vol_uuid": "2f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [["10.0.0.2", 4420, "tcp"]]}]}
        """,
        $$"""
        {"vol_uuid": "{{Uuid0}}", "alias": "vol-3", "replica_count": "3", "allow_stale_start": false, "volume_replicas": [
          {"target_nqn": "nqn.2024-01.com.example:r0", "vol_uuid": "3f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [{"address": "10.0.0.1", "port": "4420", "transport": "tcp"}]},
          {"target_nqn": "nqn.2024-01.com.example:r1", "volume_nguid": "fedcba9876543210fedcba9876543210", "portals": [["10.0.0.2", 4420, "tcp"], ["10.0.1.2", 4420, "tcp"]]},
          {"target_nqn": "nqn.2024-01.com.example:r2", "ns_id": "2", "portals": [["replica2.example.com", 4420, "rdma"]]}]}
        """,
    ];

    private static readonly string[] NewFormatRequired = ["target_nqn", "portals"];
    private static readonly string[] OriginalRequired = ["nqn", "transport_type", "target_portal", "target_port"];
    private static readonly string[] ReplicatedRequired = ["vol_uuid", "replica_count", "alias", "volume_replicas"];

    // Characters that are refused in NQNs, addresses and host names (they would change the option string or what is shown).
    private static readonly string[] Injections =
        [",", "\n", "\0", "\t", " ", "=", "\u001b[2J", "\u009b", "\u00a0", "\u2028", "\r", "\u0085", "\u202e", ",hostnqn=nqn.evil", "\ninject=1"];

    // Refused in aliases: the above, and what cannot name /dev/md/ALIAS or an md array.
    private static readonly string[] AliasInjections = [.. Injections, "/", ":", "é", "$(id)", ";", "*"];

    private readonly Random _random = new(seed);
    private int _case;

    /// <summary>The next <paramref name="count"/> cases.</summary>
    internal IEnumerable<MutatedProperties> Generate(int count)
    {
        for (int i = 0; i < count; i++)
            yield return Next();
    }

    private MutatedProperties Next()
    {
        int number = _case++;
        var root = JsonNode.Parse(ValidDocuments[_random.Next(ValidDocuments.Length)])!.AsObject();
        var done = new List<string>();
        int wanted = 1 + _random.Next(3);
        while (done.Count < wanted)
        {
            if (Mutate(root) is { } what)
                done.Add(what);
        }
        string json = root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        // Text-level mutations last: they keep the document invalid whatever came before.
        switch (_random.Next(12))
        {
            case 0:
                json = json[..(1 + _random.Next(json.Length - 1))];
                done.Add("cut short");
                break;
            case 1:
                json += _random.Next(2) == 0 ? "," : json;
                done.Add("followed by more text");
                break;
        }
        return new MutatedProperties(seed, number, done, json);
    }

    /// <summary>One mutation that invalidates the document, or null when the chosen one does not apply to it.</summary>
    private string? Mutate(JsonObject root)
    {
        var targets = Targets(root);
        var target = targets[_random.Next(targets.Count)];
        switch (_random.Next(13))
        {
            case 0: // a required key removed
            {
                string[] keys = Required(root, target);
                string key = keys[_random.Next(keys.Length)];
                var holder = ReplicatedRequired.Contains(key) ? root : target;
                return holder.Remove(key) ? $"removed {key}" : null;
            }
            case 1: // a required key null (replica_count null means "as many as listed")
            {
                string key = Pick(Required(root, target).Where(k => k != "replica_count").ToArray());
                var holder = ReplicatedRequired.Contains(key) ? root : target;
                if (!holder.ContainsKey(key))
                    return null;
                holder[key] = null;
                return $"{key} null";
            }
            case 2: // a value of a type it never has
                return WrongType(root, target);
            case 3: // an injection into an NQN or an address
                return InjectInto(target);
            case 4: // an oversized NQN or host name
                return Oversize(target);
            case 5: // an alias that cannot name an md array
            {
                if (!root.ContainsKey("volume_replicas") || root["alias"] is not JsonValue alias || alias.GetValueKind() != JsonValueKind.String)
                    return null;
                string text = alias.GetValue<string>();
                root["alias"] = _random.Next(4) == 0 ? new string('a', 33 + _random.Next(100)) : Insert(text, Pick(AliasInjections));
                return "alias made invalid";
            }
            case 6: // a number out of range
                return OutOfRange(root, target);
            case 7: // a duplicated portal
            {
                if (target["portals"] is not JsonArray portals || portals.Count == 0 || portals.Count >= ConnectionProperties.MaxPortals)
                    return null;
                portals.Add(portals[_random.Next(portals.Count)]!.DeepClone());
                return "portal duplicated";
            }
            case 8: // a replica duplicated, or two replicas naming one namespace
            {
                if (root["volume_replicas"] is not JsonArray replicas || replicas.Count < 2 || replicas[0] is not JsonObject first || replicas[1] is not JsonObject)
                    return null;
                if (_random.Next(2) == 0)
                {
                    replicas[1] = first.DeepClone();
                    return "replica 0 duplicated as replica 1";
                }
                var copy = replicas[1]!.AsObject();
                foreach (string id in (string[])["vol_uuid", "volume_nguid", "ns_id", "uuid"])
                    copy.Remove(id);
                foreach (string id in (string[])["target_nqn", "nqn", "vol_uuid", "volume_nguid", "ns_id", "uuid"])
                {
                    if (first[id] is { } value)
                        copy[id] = value.DeepClone();
                }
                return "replica 1 names replica 0's namespace";
            }
            case 9: // a list over its cap
            {
                if (_random.Next(2) == 0 && target["portals"] is JsonArray portals)
                {
                    while (portals.Count <= ConnectionProperties.MaxPortals)
                        portals.Add(new JsonArray($"10.9.{portals.Count}.{_random.Next(1, 255)}", 4420, "tcp"));
                    return "portals over the cap";
                }
                if (root["volume_replicas"] is not JsonArray replicas)
                    return null;
                while (replicas.Count <= ConnectionProperties.MaxReplicas)
                    replicas.Add(new JsonObject { ["target_nqn"] = $"nqn.2024-01.com.example:extra{replicas.Count}", ["portals"] = new JsonArray(new JsonArray("10.0.0.9", 4420, "tcp")) });
                root["replica_count"] = replicas.Count;
                return "replicas over the cap";
            }
            case 10: // nesting deeper than the parser reads
            {
                JsonNode nested = 1;
                for (int depth = 0; depth < 40; depth++)
                    nested = _random.Next(2) == 0 ? new JsonArray(nested) : new JsonObject { ["a"] = nested };
                root["qos_specs"] = new JsonObject { ["deep"] = nested };
                return "nesting 40 deep";
            }
            case 11: // keys that contradict each other
            {
                if (target.ContainsKey("target_nqn") && !target.ContainsKey("nqn"))
                {
                    target["target_portal"] = "10.0.0.1";
                    return "flat target_portal next to portals";
                }
                if (root.ContainsKey("volume_replicas"))
                {
                    root["target_nqn"] = "nqn.2024-01.com.example:top";
                    return "target_nqn next to volume_replicas";
                }
                if (target["nqn"] is null)
                    return null; // target_nqn next to an absent (or null) nqn would restore the NQN a mutation took away
                target["target_nqn"] = "nqn.2024-01.com.example:other";
                return "target_nqn differing from nqn";
            }
            default: // a namespace identifier that is not one
            {
                string key = Pick(["vol_uuid", "volume_nguid", "ns_id"]);
                target[key] = key == "ns_id"
                    ? Pick(["0", "-1", "4294967295", "x1", "1.5"])
                    : Pick([Uuid0[..35], Uuid0 + "0", Uuid0.Replace('a', 'g'), "00000000-0000-0000-0000-000000000000", "{" + Uuid0 + "}x"]);
                return $"{key} not an identifier";
            }
        }
    }

    private static List<JsonObject> Targets(JsonObject root) =>
        root["volume_replicas"] is JsonArray replicas && replicas.OfType<JsonObject>().ToList() is { Count: > 0 } objects ? objects : [root];

    private static string[] Required(JsonObject root, JsonObject target)
    {
        // The new format names the NQN by target_nqn or nqn: with both there, either alone still names it.
        string[] newFormat = target.ContainsKey("nqn") && target.ContainsKey("target_nqn") ? ["portals"]
            : target.ContainsKey("nqn") ? ["nqn", "portals"] : NewFormatRequired;
        string[] own = target.ContainsKey("transport_type") ? OriginalRequired : newFormat;
        return root.ContainsKey("volume_replicas") ? [.. own, .. ReplicatedRequired] : own;
    }

    /// <summary>Replaces (or adds) a value with one of a type that key never takes (never null: null means absent).</summary>
    private string WrongType(JsonObject root, JsonObject target)
    {
        JsonNode[] notString = [7, true, new JsonArray(), new JsonObject { ["a"] = 1 }];
        JsonNode[] notNumberOrString = [true, false, new JsonArray(1), new JsonObject()];
        JsonNode[] notBool = [1, "true", "yes", new JsonArray()];
        JsonNode[] notArray = [7, "10.0.0.1", new JsonObject { ["address"] = "10.0.0.1" }, true];
        JsonNode[] notObject = [7, "x", new JsonArray(1), true];
        var choices = new List<(Action<JsonNode> Set, string What, JsonNode[] Pool)>();
        void Key(JsonObject holder, string key, JsonNode[] pool) => choices.Add((v => holder[key] = v, key, pool));

        Key(target, target.ContainsKey("nqn") ? "nqn" : "target_nqn", notString);
        Key(target, "host_nqn", notString);
        Key(target, "vol_uuid", notString);
        Key(target, "ns_id", notNumberOrString);
        Key(root, "access_mode", [7, true, "rx", new JsonArray()]);
        Key(root, "encrypted", notBool);
        Key(root, "discard", notBool);
        Key(root, "qos_specs", notObject);
        Key(root, "device_path", notString);
        Key(root, "ctrl_loss_tmo", notNumberOrString);
        if (target.ContainsKey("transport_type"))
        {
            Key(target, "target_port", notNumberOrString);
            Key(target, "target_portal", notString);
            Key(target, "transport_type", notString);
        }
        else
        {
            Key(target, "portals", notArray);
        }
        if (target["portals"] is JsonArray { Count: > 0 } portals)
        {
            var portal = portals[_random.Next(portals.Count)];
            if (portal is JsonArray { Count: 3 } tuple)
            {
                choices.Add((v => tuple[0] = v, "portal address", notString));
                choices.Add((v => tuple[1] = v, "portal port", notNumberOrString));
                choices.Add((v => tuple[2] = v, "portal transport", notString));
            }
            else if (portal is JsonObject dict)
            {
                Key(dict, "address", notString);
                Key(dict, "port", notNumberOrString);
                Key(dict, "transport", notString);
            }
        }
        if (root.ContainsKey("volume_replicas"))
        {
            Key(root, "alias", notString);
            Key(root, "replica_count", notNumberOrString);
            Key(root, "volume_replicas", notArray);
            Key(root, "vol_uuid", notString);
        }
        var (set, what, pool) = choices[_random.Next(choices.Count)];
        var wrong = pool[_random.Next(pool.Length)].DeepClone();
        set(wrong);
        return $"{what} = {wrong.ToJsonString()}";
    }

    private string? InjectInto(JsonObject target)
    {
        var fields = new List<(JsonNode Holder, Func<string?> Get, Action<string> Set, string What)>();
        foreach (string key in (string[])["target_nqn", "nqn", "host_nqn", "target_portal"])
        {
            if (target[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                fields.Add((target, () => v.GetValue<string>(), s => target[key] = s, key));
        }
        if (target["portals"] is JsonArray portals)
        {
            foreach (var portal in portals)
            {
                if (portal is JsonArray { Count: 3 } tuple && tuple[0] is JsonValue a && a.GetValueKind() == JsonValueKind.String)
                    fields.Add((tuple, () => a.GetValue<string>(), s => tuple[0] = s, "portal address"));
                else if (portal is JsonObject dict && dict["address"] is JsonValue d && d.GetValueKind() == JsonValueKind.String)
                    fields.Add((dict, () => d.GetValue<string>(), s => dict["address"] = s, "portal address"));
            }
        }
        if (fields.Count == 0)
            return null;
        var (_, get, set, what) = fields[_random.Next(fields.Count)];
        set(Insert(get() ?? "", Pick(Injections)));
        return $"injection into {what}";
    }

    private string? Oversize(JsonObject target)
    {
        if (_random.Next(2) == 0)
        {
            string key = target.ContainsKey("nqn") ? "nqn" : "target_nqn";
            if (!target.ContainsKey(key))
                return null;
            target[key] = "nqn.2024-01.com.example:" + new string('n', 200 + _random.Next(5000));
            return $"{key} oversized";
        }
        if (target["portals"] is JsonArray { Count: > 0 } portals && portals[0] is JsonArray { Count: 3 } tuple)
        {
            tuple[0] = _random.Next(2) == 0
                ? new string('h', 64) + ".example.com"                                   // a label over 63
                : string.Concat(Enumerable.Repeat("abcdefgh.", 30)) + "example.com";    // a name over 253
            return "host name oversized";
        }
        return null;
    }

    private string? OutOfRange(JsonObject root, JsonObject target)
    {
        JsonNode badPort = Pick<JsonNode>([0, 65536, -1, 1_000_000, 4420.5, "0x1144", "+4420", " 4420", "4420 "]);
        if (target["portals"] is JsonArray { Count: > 0 } portals)
        {
            var portal = portals[_random.Next(portals.Count)];
            if (portal is JsonArray { Count: 3 } tuple)
                tuple[1] = badPort.DeepClone();
            else if (portal is JsonObject dict)
                dict["port"] = badPort.DeepClone();
            else
                return null;
            return $"port {badPort.ToJsonString()}";
        }
        if (target.ContainsKey("target_port"))
        {
            target["target_port"] = badPort.DeepClone();
            return $"target_port {badPort.ToJsonString()}";
        }
        if (root.ContainsKey("volume_replicas"))
        {
            root["replica_count"] = Pick<JsonNode>([-1, 1, 2.5, 9, 1L << 40, "-2", "x"]);
            return "replica_count out of range";
        }
        return null;
    }

    private string Insert(string text, string injection) => text.Insert(_random.Next(text.Length + 1), injection);

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
