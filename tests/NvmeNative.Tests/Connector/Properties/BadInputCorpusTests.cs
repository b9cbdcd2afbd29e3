using System.Diagnostics;
using System.Text;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.TestSupport;

namespace NvmeNative.Tests.Connector.Properties;

/// <summary>
/// Issue 15's bad input: the corpus of malformed connection properties (tests/Shared/bad-connection-properties.json)
/// and thousands of seeded mutations of valid properties (<see cref="PropertyMutations"/>) are every one refused by the
/// library's parse entries (the ones the CLI uses) with an <see cref="InvalidConnectionPropertiesException"/>, whose
/// message and key path carry no control or format character; the input caps hold at their edges.
/// </summary>
public sealed class BadInputCorpusTests
{
    /// <summary>The generator's seed and case count; NVMENATIVE_MUTATION_SEED / NVMENATIVE_MUTATION_CASES change them for a soak.</summary>
    private static readonly int Seed = EnvInt("NVMENATIVE_MUTATION_SEED", 20261115);

    private static readonly int MutationCases = EnvInt("NVMENATIVE_MUTATION_CASES", 5000);

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) ? value : fallback;

    public static TheoryData<string> CorpusNames() => [.. BadPropertiesCorpus.Cases.Select(c => c.Name)];

    /// <summary>The refusal of <paramref name="json"/>, checked to be the typed error with printable text.</summary>
    private static InvalidConnectionPropertiesException Refused(string json, string label)
    {
        var e = Record.Exception(() => ConnectionProperties.Parse(json));
        Assert.True(e is InvalidConnectionPropertiesException, $"{label}: {(e is null ? "accepted" : e.GetType().FullName + ": " + e.Message)}");
        var refused = (InvalidConnectionPropertiesException)e!;
        Assert.IsAssignableFrom<InvalidInputException>(refused);
        Assert.False(refused.Message.Any(DisplayText.IsUnsafe), $"{label}: unprintable character in {DisplayText.Escape(refused.Message)}");
        Assert.False((refused.KeyPath ?? "").Any(DisplayText.IsUnsafe), $"{label}: unprintable character in the key path");
        Assert.True(refused.Message.Length < 1024, $"{label}: a {refused.Message.Length}-character message");
        return refused;
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void Every_corpus_case_is_refused_typed_with_its_key_path_by_every_parse_entry(string name)
    {
        var bad = BadPropertiesCorpus.Get(name);
        var refused = Refused(bad.Input, name);
        if (bad.KeyPath is not null)
            Assert.Equal(bad.KeyPath, refused.KeyPath);

        byte[] utf8 = Encoding.UTF8.GetBytes(bad.Input);
        Assert.IsType<InvalidConnectionPropertiesException>(Record.Exception(() => ConnectionProperties.Parse(utf8.AsMemory())));
        Assert.IsType<InvalidConnectionPropertiesException>(Record.Exception(() => ConnectionProperties.Parse(new MemoryStream(utf8))));
        Assert.IsType<InvalidConnectionPropertiesException>(Record.Exception(() => ConnectionProperties.Parse(new StringReader(bad.Input))));
    }

    [Fact]
    public void The_corpus_has_what_the_issue_asks_for()
    {
        var names = BadPropertiesCorpus.Cases.Select(c => c.Name).ToList();
        Assert.True(names.Count >= 60, $"{names.Count} cases");
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (string part in (string[])["missing", "nqn-", "address-", "hostname-", "alias-", "duplicate", "replicas-same", "not-json", "deep-", "over-the-cap", "over-64KiB"])
            Assert.Contains(names, n => n.Contains(part, StringComparison.Ordinal));
        foreach (string key in (string[])["target_nqn", "portals", "nqn", "transport_type", "target_portal", "target_port", "vol_uuid", "replica_count", "alias"])
            Assert.Contains(BadPropertiesCorpus.Cases, c => c.Name.Contains("missing-" + key, StringComparison.Ordinal));
    }

    [Fact]
    public void The_valid_documents_the_mutations_start_from_parse()
    {
        foreach (string json in PropertyMutations.ValidDocuments)
            ConnectionProperties.Parse(json);
    }

    [Fact]
    public void The_generator_is_reproducible_from_its_seed()
    {
        var first = new PropertyMutations(Seed).Generate(200).Select(m => m.Json).ToList();
        var again = new PropertyMutations(Seed).Generate(200).Select(m => m.Json).ToList();
        var other = new PropertyMutations(Seed + 1).Generate(200).Select(m => m.Json).ToList();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Thousands_of_mutations_of_valid_properties_are_every_one_refused_typed()
    {
        var clock = Stopwatch.StartNew();
        var kinds = new Dictionary<string, int>();
        foreach (var mutated in new PropertyMutations(Seed).Generate(MutationCases))
        {
            var refused = Refused(mutated.Json, $"{mutated} ({DisplayText.Escape(mutated.Json.Length > 400 ? mutated.Json[..400] + "..." : mutated.Json)})");
            string kind = refused.Reason.Split(':')[0];
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{MutationCases} cases took {clock.Elapsed}");
        // The mutations reach many different checks, not one.
        Assert.True(kinds.Count >= 25, $"only {kinds.Count} kinds of refusal: {string.Join(", ", kinds.Keys)}");
        TestContext.Current.SendDiagnosticMessage($"seed {Seed}: {MutationCases} mutations refused in {clock.Elapsed.TotalSeconds:0.0} s, {kinds.Count} kinds of refusal");
    }

    private static string Single(string portals, string extra = "") =>
        $$"""{"target_nqn": "nqn.2024-01.com.example:vol", "portals": [{{portals}}]{{extra}}}""";

    private static string Portals(int count) =>
        string.Join(", ", Enumerable.Range(1, count).Select(i => $"[\"10.0.0.{i}\", 4420, \"tcp\"]"));

    private static string Replicated(int listed, int count) =>
        $$"""{"vol_uuid": "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10", "alias": "v", "replica_count": {{count}}, "volume_replicas": [{{string.Join(", ",
            Enumerable.Range(0, listed).Select(i => $$"""{"target_nqn": "nqn.2024-01.com.example:r{{i}}", "portals": [["10.0.0.1", 4420, "tcp"]]}"""))}}]}""";

    [Fact]
    public void Portal_and_replica_caps_hold_at_their_edges()
    {
        Assert.Equal(ConnectionProperties.MaxPortals, ConnectionProperties.Parse(Single(Portals(ConnectionProperties.MaxPortals))).Targets[0].Portals.Length);
        Assert.Equal("portals", Refused(Single(Portals(ConnectionProperties.MaxPortals + 1)), "portals").KeyPath);

        Assert.Equal(ConnectionProperties.MaxReplicas, ConnectionProperties.Parse(Replicated(ConnectionProperties.MaxReplicas, ConnectionProperties.MaxReplicas)).Targets.Length);
        Assert.Equal("volume_replicas", Refused(Replicated(ConnectionProperties.MaxReplicas + 1, ConnectionProperties.MaxReplicas + 1), "replicas").KeyPath);
        Assert.Equal("replica_count", Refused(Replicated(2, ConnectionProperties.MaxReplicas + 1), "replica_count").KeyPath);
    }

    [Fact]
    public void The_size_cap_holds_at_its_edge_and_a_long_stream_is_not_read_to_its_end()
    {
        string Padded(int bytes)
        {
            string bare = Single(Portals(1), ", \"qos_specs\": {\"pad\": \"\"}");
            return bare.Replace("\"pad\": \"\"", $"\"pad\": \"{new string('x', bytes - bare.Length)}\"", StringComparison.Ordinal);
        }
        string atCap = Padded(ConnectionProperties.MaxJsonBytes);
        Assert.Equal(ConnectionProperties.MaxJsonBytes, Encoding.UTF8.GetByteCount(atCap));
        ConnectionProperties.Parse(atCap);
        ConnectionProperties.Parse(Encoding.UTF8.GetBytes(atCap).AsMemory());
        ConnectionProperties.Parse(new MemoryStream(Encoding.UTF8.GetBytes(atCap)));
        ConnectionProperties.Parse(new StringReader(atCap));
        Assert.Contains("larger than 65536 bytes", Refused(Padded(ConnectionProperties.MaxJsonBytes + 1), "over the cap").Message);
        // Multi-byte characters count as bytes, not characters.
        Refused(Single(Portals(1), $", \"qos_specs\": {{\"pad\": \"{new string('é', ConnectionProperties.MaxJsonBytes / 2)}\"}}"), "multi-byte");

        var endless = new CountingStream();
        Assert.IsType<InvalidConnectionPropertiesException>(Record.Exception(() => ConnectionProperties.Parse(endless)));
        Assert.Equal(ConnectionProperties.MaxJsonBytes + 1, endless.BytesRead);
    }

    [Fact]
    public void A_huge_portal_list_is_refused_at_once_by_its_cap()
    {
        string json = Single(string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"[\"10.{i / 256}.{i % 256}.1\", 4420, \"tcp\"]")));
        Assert.True(Encoding.UTF8.GetByteCount(json) < ConnectionProperties.MaxJsonBytes);
        var clock = Stopwatch.StartNew();
        var refused = Refused(json, "2000 portals");
        Assert.Equal("portals", refused.KeyPath);
        Assert.Contains("lists 2000 portals", refused.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), clock.Elapsed.ToString());
    }

    [Fact]
    public void Replicas_naming_one_namespace_by_any_identifier_are_refused_and_distinct_namespaces_of_one_subsystem_are_not()
    {
        string Two(string r0, string r1) =>
            $$"""{"vol_uuid": "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10", "alias": "v", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.s", "portals": [["10.0.0.1", 4420, "tcp"]]{{r0}}}, {"target_nqn": "nqn.s", "portals": [["10.0.0.2", 4420, "tcp"]]{{r1}}}]}""";
        const string Uuid = ", \"vol_uuid\": \"1f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f\"";
        Assert.Contains("names the same namespace as volume_replicas[0]", Refused(Two(Uuid, Uuid), "uuid").Message);
        Assert.Contains("names the same namespace", Refused(Two(", \"ns_id\": 3", ", \"ns_id\": \"3\""), "nsid").Message);
        Assert.Contains("names the same namespace", Refused(Two("", ""), "no identifiers").Message);
        Assert.Contains("names the same namespace", Refused(Two(", \"ns_id\": 3", ""), "one without an identifier").Message);
        Assert.Equal(2, ConnectionProperties.Parse(Two(", \"ns_id\": 3", ", \"ns_id\": 4")).Targets.Length);
        Assert.Equal(2, ConnectionProperties.Parse(Two(Uuid, ", \"vol_uuid\": \"2f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f\"")).Targets.Length);
    }

    [Fact]
    public void A_key_with_terminal_escapes_is_quoted_and_escaped_in_the_key_path_and_the_message()
    {
        string key = "\u001b[2J\u001b[31mforged\nnvmenative: attached /dev/nvme0n1";
        string json = Single(Portals(1), $", {System.Text.Json.JsonSerializer.Serialize(key)}: 1, {System.Text.Json.JsonSerializer.Serialize(key)}: 2");
        var refused = Refused(json, "escaped key");
        Assert.StartsWith("[\"\\u001b[2J\\u001b[31mforged\\nnvmenative: attached", refused.KeyPath);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.DoesNotContain('\u001b', refused.Message);
        Assert.Equal("portals[0].port", Refused(Single("{\"address\": \"10.0.0.1\", \"port\": 1, \"port\": 2, \"transport\": \"tcp\"}"), "plain").KeyPath);
    }

    [Fact]
    public void Messages_of_the_whole_family_escape_control_and_format_characters()
    {
        var e = new NvmeNativeException("bad\nline \u001b[31m\u202e", "op\r", "/dev/x\u0007");
        Assert.Equal("op\\r /dev/x\\u0007: bad\\nline \\u001b[31m\\u202e", e.Message);
        var input = new InvalidInputException("v\u009bx", "parse", "a\nb");
        Assert.Equal("a\\nb", input.KeyPath);
        Assert.Equal("v\\u009bx", input.Reason);
    }

    /// <summary>A stream that never ends (zeroes), counting what was read from it.</summary>
    private sealed class CountingStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)' ', offset, count);
            BytesRead += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
