using NvmeNative.Connector;
using NvmeNative.Errors;

namespace NvmeNative.Tests.Connector.Properties;

/// <summary>Every parser rule: bad input fails with the key path of the offending value, before any I/O.</summary>
public sealed class ConnectionPropertiesErrorTests
{
    private const string U = "c20aba21-6ef6-446b-b374-45733b4883ba";

    private static InvalidConnectionPropertiesException Fails(string json, string keyPath, string? messagePart = null)
    {
        var e = Assert.Throws<InvalidConnectionPropertiesException>(() => ConnectionProperties.Parse(json));
        Assert.Equal(keyPath, e.KeyPath);
        if (messagePart is not null)
            Assert.Contains(messagePart, e.Message);
        Assert.StartsWith("parse connection properties: " + (keyPath.Length > 0 ? keyPath + ": " : ""), e.Message);
        Assert.IsAssignableFrom<InvalidInputException>(e);
        Assert.IsAssignableFrom<NvmeNativeException>(e);
        Assert.Null(e.ErrnoValue);
        return e;
    }

    private static string Replicated(string replica1Portals, string extra = "") =>
        $$"""{"vol_uuid": "{{U}}", "alias": "a", "replica_count": 2 {{extra}}, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}, {"target_nqn": "nqn.r1", "portals": {{replica1Portals}}}]}""";

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"target_nqn\": \"nqn.x\",}", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("\"x\"", "must be a JSON object")]
    [InlineData("{}", "no target is named")]
    [InlineData("{\"access_mode\": \"rw\"}", "no target is named")]
    public void Document_level_errors_have_the_root_path(string json, string message) => Fails(json, "", message);

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        Fails("""{"target_nqn": "nqn.a", "portals": [["10.0.0.1", 4420, "tcp"]], "target_nqn": "nqn.b"}""", "target_nqn", "appears twice");
        Fails("""{"target_nqn": "nqn.a", "portals": [{"address": "10.0.0.1", "port": 4420, "transport": "tcp", "port": 1}]}""", "portals[0].port", "appears twice");
    }

    [Theory]
    [InlineData("""{"transport_type": "tcp", "target_portal": "10.0.0.1", "target_port": 4420}""", "nqn", "is missing")]
    [InlineData("""{"nqn": "nqn.x", "target_portal": "10.0.0.1", "target_port": 4420}""", "transport_type", "is missing")]
    [InlineData("""{"nqn": "nqn.x", "transport_type": "tcp", "target_port": 4420}""", "target_portal", "is missing")]
    [InlineData("""{"nqn": "nqn.x", "transport_type": "tcp", "target_portal": "10.0.0.1"}""", "target_port", "is missing")]
    [InlineData("""{"nqn": "nqn.x", "transport_type": "tcp", "target_portal": null, "target_port": 4420}""", "target_portal", "is null")]
    [InlineData("""{"nqn": "nqn.x"}""", "target_portal", "is missing")]
    [InlineData("""{"target_nqn": "nqn.x"}""", "portals", "is missing")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": null}""", "portals", "is null")]
    [InlineData("""{"portals": [["10.0.0.1", 4420, "tcp"]]}""", "target_nqn", "is missing")]
    public void Missing_required_keys(string json, string path, string message) => Fails(json, path, message);

    [Theory]
    [InlineData("""{"target_nqn": "nqn.x", "portals": []}""", "portals", "is empty")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": {"address": "10.0.0.1"}}""", "portals", "must be an array")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [["10.0.0.1", 4420]]}""", "portals[0]", "has 2 elements")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [["10.0.0.1", 4420, "tcp", "x"]]}""", "portals[0]", "has 4 elements")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": ["10.0.0.1"]}""", "portals[0]", "must be [address, port, transport]")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [{"address": "10.0.0.1", "port": 4420}]}""", "portals[0].transport", "is missing")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [{"port": 4420, "transport": "tcp"}]}""", "portals[0].address", "is missing")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [[4420, 4420, "tcp"]]}""", "portals[0][0]", "must be a string")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [["10.0.0.1", 4420, "tcp"], ["10.0.0.1", "4420", "TCP"]]}""", "portals[1]", "same portal as portals[0]")]
    public void Portal_shape_errors(string json, string path, string message) => Fails(json, path, message);

    [Theory]
    [InlineData("\"abc\"", "not a port number")]
    [InlineData("\"44 20\"", "not a port number")]
    [InlineData("\"-1\"", "not a port number")]
    [InlineData("\"0x1144\"", "not a port number")]
    [InlineData("\"\"", "not a port number")]
    [InlineData("0", "out of range")]
    [InlineData("65536", "out of range")]
    [InlineData("-5", "out of range")]
    [InlineData("4420.5", "whole number")]
    [InlineData("true", "must be a port number")]
    [InlineData("null", "not null")]
    public void Port_errors_name_the_tuple_element(string port, string message) =>
        Fails(Replicated($"""[["10.0.0.2", {port}, "tcp"]]"""), "volume_replicas[1].portals[0][1]", message);

    [Theory]
    [InlineData("fc")]
    [InlineData("loop")]
    [InlineData("other")]
    [InlineData("tcp ")]
    [InlineData("")]
    public void Unknown_transports_are_errors_not_tcp(string transport) =>
        Fails(Replicated($"""[["10.0.0.2", 4420, "{transport}"]]"""), "volume_replicas[1].portals[0][2]", "not a supported transport");

    [Fact]
    public void Transport_must_be_a_string() =>
        Fails("""{"nqn": "nqn.x", "transport_type": 1, "target_portal": "10.0.0.1", "target_port": 4420}""", "transport_type", "must be a transport name");

    [Theory]
    [InlineData("10.0.0.1,nqn=evil", "','")]
    [InlineData("10.0.0.1\nhostnqn=x", "newline")]
    [InlineData("10.0.0.1 ", "whitespace")]
    [InlineData("10.0.0.1\u0000", "NUL")]
    [InlineData("010.0.0.1", "neither an IP address")]
    [InlineData("300.0.0.1", "neither an IP address")]
    [InlineData("", "empty")]
    [InlineData("[10.0.0.1]", "not a valid IPv6")]
    public void Address_errors_name_the_key(string address, string message)
    {
        string escaped = System.Text.Json.JsonEncodedText.Encode(address).ToString();
        Fails($$"""{"target_nqn": "nqn.x", "portals": [{"address": "{{escaped}}", "port": 4420, "transport": "tcp"}]}""", "portals[0].address", message);
        Fails($$"""{"nqn": "nqn.x", "transport_type": "tcp", "target_portal": "{{escaped}}", "target_port": 4420}""", "target_portal", message);
    }

    [Theory]
    [InlineData("nqn.x,transport=loop", "','")]
    [InlineData("nqn.x=y", "'='")]
    [InlineData("nqn.x\n", "newline")]
    [InlineData("nqn x", "whitespace")]
    [InlineData("", "cannot be empty")]
    public void Nqn_injection_and_empty(string nqn, string message)
    {
        string escaped = System.Text.Json.JsonEncodedText.Encode(nqn).ToString();
        Fails($$"""{"target_nqn": "{{escaped}}", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "target_nqn", message);
        Fails($$"""{"target_nqn": "nqn.ok", "host_nqn": "{{escaped}}", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "host_nqn", message);
        Fails($$"""{"nqn": "{{escaped}}", "transport_type": "tcp", "target_portal": "10.0.0.1", "target_port": 4420}""", "nqn", message);
    }

    [Fact]
    public void Nqn_over_the_kernel_limit()
    {
        string nqn = "nqn.2024-01.com.example:" + new string('x', 199); // 223 bytes
        Fails($$"""{"target_nqn": "{{nqn}}", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "target_nqn", "at most 222");
    }

    [Fact]
    public void Nqn_must_be_a_string() =>
        Fails("""{"target_nqn": 5, "portals": [["10.0.0.1", 4420, "tcp"]]}""", "target_nqn", "must be an NQN string");

    [Fact]
    public void Conflicting_nqn_and_target_nqn() =>
        Fails("""{"target_nqn": "nqn.a", "nqn": "nqn.b", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "nqn", "differs from target_nqn");

    [Fact]
    public void Equal_nqn_and_target_nqn_are_fine() =>
        Assert.Equal("nqn.a", ConnectionProperties.Parse("""{"target_nqn": "nqn.a", "nqn": "nqn.a", "portals": [["10.0.0.1", 4420, "tcp"]]}""").Targets[0].SubsystemNqn.Value);

    [Theory]
    [InlineData("target_portal")]
    [InlineData("target_port")]
    [InlineData("transport_type")]
    public void Flat_keys_cannot_be_mixed_with_portals(string key) =>
        Fails($$"""{"target_nqn": "nqn.a", "{{key}}": "x", "portals": [["10.0.0.1", 4420, "tcp"]]}""", key, "cannot be combined");

    [Theory]
    [InlineData("vol_uuid", "\"fakeuuid\"", "not a UUID")]
    [InlineData("vol_uuid", "\"c20aba21-6ef6-446b-b374-45733b4883b\"", "not a UUID")]
    [InlineData("vol_uuid", "42", "must be a string")]
    [InlineData("vol_uuid", "\"00000000-0000-0000-0000-000000000000\"", "all-zero UUID")]
    [InlineData("uuid", "\"uuid\"", "not a UUID")]
    [InlineData("volume_nguid", "\"xyz\"", "not a NGUID")]
    [InlineData("volume_nguid", "\"00000000000000000000000000000000\"", "all-zero NGUID")]
    [InlineData("ns_id", "0", "not a namespace ID")]
    [InlineData("ns_id", "\"4294967295\"", "not a namespace ID")]
    [InlineData("ns_id", "\"1a\"", "not a namespace ID")]
    [InlineData("ns_id", "-3", "not a namespace ID")]
    [InlineData("ns_id", "1.5", "not a namespace ID")]
    [InlineData("ns_id", "[1]", "must be a namespace ID")]
    public void Identifier_errors(string key, string value, string message) =>
        Fails($$"""{"target_nqn": "nqn.a", "{{key}}": {{value}}, "portals": [["10.0.0.1", 4420, "tcp"]]}""", key, message);

    [Fact]
    public void Conflicting_vol_uuid_and_uuid() =>
        Fails($$"""{"target_nqn": "nqn.a", "vol_uuid": "{{U}}", "uuid": "9b30ec12-75b9-4a53-be32-111111111111", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "uuid", "differs from vol_uuid");

    [Fact]
    public void Errors_inside_replicas_carry_the_replica_index()
    {
        Fails(Replicated("""[["10.0.0.2", 4420, "tcp"]]""").Replace("\"nqn.r1\"", "\"bad nqn\""), "volume_replicas[1].target_nqn", "whitespace");
        Fails(Replicated("""[{"address": "10.0.0.2", "port": "x", "transport": "tcp"}]"""), "volume_replicas[1].portals[0].port", "not a port number");
        Fails(Replicated("[]"), "volume_replicas[1].portals", "is empty");
        Fails($$"""{"vol_uuid": "{{U}}", "alias": "a", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}, 7]}""", "volume_replicas[1]", "must be a JSON object");
        Fails($$"""{"vol_uuid": "{{U}}", "alias": "a", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}, {"vol_uuid": "bad", "target_nqn": "nqn.r1", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "volume_replicas[1].vol_uuid", "not a UUID");
        Fails($$"""{"vol_uuid": "{{U}}", "alias": "a", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}, {"alias": "x"}]}""", "volume_replicas[1]", "no target is named");
    }

    [Fact]
    public void Identical_replicas_are_refused() =>
        Fails(Replicated("""[["10.0.0.1", 4420, "tcp"]]""").Replace("\"nqn.r1\"", "\"nqn.r0\""), "volume_replicas[1]", "same target and namespace as volume_replicas[0]");

    [Theory]
    [InlineData("""{"alias": "a", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "vol_uuid", "is missing")]
    [InlineData("""{"vol_uuid": "abc", "alias": "a", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "vol_uuid", "not a UUID")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a", "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "replica_count", "is missing")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a", "replica_count": "two", "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "replica_count", "whole number")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a", "replica_count": -1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "replica_count", "not a replica count")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a", "replica_count": 1, "volume_replicas": []}""", "volume_replicas", "lists no replica")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a", "replica_count": 1, "volume_replicas": {"target_nqn": "x"}}""", "volume_replicas", "must be an array")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "is missing")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "", "replica_count": 2, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "is empty")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "../x", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "cannot name a file")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "a b", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "whitespace")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "volume-0123456789abcdef0123456789", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "at most 32")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": 5, "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "alias", "must be a string")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "target_nqn": "nqn.x", "alias": "a", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""", "target_nqn", "cannot be combined with volume_replicas")]
    public void Replicated_format_errors(string json, string path, string message) => Fails(json, path, message);

    [Fact]
    public void Replica_count_below_the_listed_replicas() =>
        Fails(Replicated("""[["10.0.0.2", 4420, "tcp"]]""").Replace("\"replica_count\": 2", "\"replica_count\": 1"), "replica_count", "lists 2 replicas");

    [Theory]
    [InlineData("access_mode", "\"rx\"", "must be \"rw\" or \"ro\"")]
    [InlineData("access_mode", "1", "must be \"rw\" or \"ro\"")]
    [InlineData("encrypted", "\"true\"", "must be true or false")]
    [InlineData("discard", "1", "must be true or false")]
    [InlineData("cacheable", "[]", "must be true or false")]
    [InlineData("enforce_multipath", "\"yes\"", "must be true or false")]
    [InlineData("qos_specs", "[1]", "must be an object")]
    [InlineData("device_path", "\"dev/nvme0n1\"", "not an absolute path")]
    [InlineData("device_path", "\"/dev/nvme0n1\\n\"", "control character")]
    [InlineData("device_path", "3", "must be a string")]
    public void Generic_key_errors(string key, string value, string message) =>
        Fails($$"""{"target_nqn": "nqn.a", "portals": [["10.0.0.1", 4420, "tcp"]], "{{key}}": {{value}}}""", key, message);

    [Fact]
    public void Error_message_quotes_the_bad_value_escaped_and_short()
    {
        var e = Fails("""{"target_nqn": "nqn.a", "portals": [["10.0.0.1", "44\n20", "tcp"]]}""", "portals[0][1]");
        Assert.Contains("\"44\\n20\"", e.Message);
        string longValue = new('9', 500);
        var e2 = Fails($$"""{"target_nqn": "nqn.a", "portals": [["10.0.0.1", "{{longValue}}x", "tcp"]]}""", "portals[0][1]");
        Assert.True(e2.Message.Length < 300, e2.Message);
    }

    [Fact]
    public void A_dhchap_secret_in_a_value_is_masked_in_the_error()
    {
        var e = Fails("""{"target_nqn": "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n: x", "portals": [["10.0.0.1", 4420, "tcp"]]}""", "target_nqn");
        Assert.DoesNotContain("ia6zGodOr4SEG0", e.Message);
        Assert.DoesNotContain("ia6zGodOr4SEG0", e.ToString());
    }
}
