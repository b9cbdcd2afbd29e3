using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Connector.Properties;

/// <summary>Every connection-properties shape os-brick accepts (os-brick-connector.md §2), plus the spec's dict portals.</summary>
public sealed class ConnectionPropertiesFormatsTests
{
    private const string Uuid = "c20aba21-6ef6-446b-b374-45733b4883ba";
    private const string Nguid = "4941ef75-95b8-ee97-8ccf-096800f205c6";
    private const string Nqn = "nqn.2014-08.org.openstack:nvme-vol-1";
    private const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:beaae2de-3a97-4be1-a739-6ac4bc5bf138";

    [Fact]
    public void Original_flat_format()
    {
        var p = ConnectionProperties.Parse($$"""
            {"nqn": "{{Nqn}}", "transport_type": "rdma", "target_portal": "10.0.2.15", "target_port": "4420",
             "ns_id": "10", "volume_nguid": "{{Nguid.Replace("-", "").ToUpperInvariant()}}", "host_nqn": "{{HostNqn}}",
             "access_mode": "rw"}
            """);
        Assert.Equal(ConnectionPropertiesFormat.Original, p.Format);
        Assert.False(p.IsReplicated);
        var t = Assert.Single(p.Targets);
        Assert.Equal(Nqn, t.SubsystemNqn.Value);
        Assert.Equal(new Portal("10.0.2.15", 4420, Transport.Rdma), Assert.Single(t.Portals));
        Assert.Equal(10u, t.NamespaceId!.Value.Value);
        Assert.Equal(Nguid, t.Nguid.ToString());
        Assert.Null(t.NamespaceUuid);
        Assert.Equal(HostNqn, t.HostNqn!.Value);
        Assert.True(t.HasNamespaceIdentifier);
        Assert.Equal(1, p.ReplicaCount);
    }

    [Fact]
    public void Original_format_with_integer_port_and_ns_id()
    {
        var p = ConnectionProperties.Parse($$"""{"nqn": "{{Nqn}}", "transport_type": "tcp", "target_portal": "10.0.2.15", "target_port": 4420, "ns_id": 10}""");
        var t = Assert.Single(p.Targets);
        Assert.Equal(4420, t.Portals[0].Port);
        Assert.Equal("10", t.NamespaceId.ToString()); // os-brick would compare int 10 with sysfs "10" and never match
    }

    [Fact]
    public void New_format_with_tuple_portals()
    {
        var p = ConnectionProperties.Parse($$"""
            {"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid.Replace("-", "")}}",
             "portals": [["10.1.1.1", 4420, "tcp"], ["10.1.1.2", "4420", "TCP"], ["10.1.1.3", "4420", "RoCEv2"], ["10.1.1.4", 4420, "rdma"]]}
            """);
        Assert.Equal(ConnectionPropertiesFormat.Target, p.Format);
        var t = Assert.Single(p.Targets);
        Assert.Equal(Uuid, t.NamespaceUuid.ToString());
        Assert.Equal(
            [new Portal("10.1.1.1", 4420, Transport.Tcp), new Portal("10.1.1.2", 4420, Transport.Tcp),
             new Portal("10.1.1.3", 4420, Transport.Rdma), new Portal("10.1.1.4", 4420, Transport.Rdma)],
            t.Portals);
    }

    [Fact]
    public void Spec_format_with_dict_portals_and_uuid_nqn_keys()
    {
        // os-brick unpacks a dict portal's keys and connects to address "address", port "port" (§2.2); we read it.
        var p = ConnectionProperties.Parse($$"""
            {"uuid": "{{Uuid}}", "nqn": "{{Nqn}}", "volume_replicas": null,
             "portals": [{"address": "10.1.1.1", "port": 4420, "transport": "tcp"}, {"port": "4421", "transport": "rocev2", "address": "::1"}]}
            """);
        Assert.Equal(ConnectionPropertiesFormat.Target, p.Format);
        Assert.False(p.IsReplicated);
        var t = Assert.Single(p.Targets);
        Assert.Equal(Nqn, t.SubsystemNqn.Value);
        Assert.Equal(Uuid, t.NamespaceUuid.ToString());
        Assert.Equal([new Portal("10.1.1.1", 4420, Transport.Tcp), new Portal("::1", 4421, Transport.Rdma)], t.Portals);
    }

    [Fact]
    public void New_format_without_identifiers_leaves_the_fallback()
    {
        var p = ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", "vol_uuid": null, "portals": [["10.1.1.1", 4420, "tcp"]], "ns_id": "", "volume_nguid": ""}""");
        Assert.False(p.Targets[0].HasNamespaceIdentifier); // os-brick: falsy identifiers mean "none"
    }

    [Fact]
    public void Replicated_format()
    {
        var p = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Uuid.Replace("-", "")}}", "alias": "vol-1", "replica_count": 3, "access_mode": "ro", "encrypted": true,
             "volume_replicas": [
               {"vol_uuid": "9b30ec12-75b9-4a53-be32-111111111111", "target_nqn": "nqn.r1", "portals": [["10.0.0.1", "4420", "tcp"]]},
               {"vol_uuid": "9b30ec12-75b9-4a53-be32-222222222222", "target_nqn": "nqn.r2", "portals": [["10.0.0.2", "4420", "tcp"]]},
               {"uuid": "9b30ec12-75b9-4a53-be32-333333333333", "nqn": "nqn.r3", "portals": [{"address": "10.0.0.3", "port": 4420, "transport": "tcp"}]}
             ]}
            """);
        Assert.Equal(ConnectionPropertiesFormat.Replicated, p.Format);
        Assert.True(p.IsReplicated);
        Assert.Equal(Uuid, p.VolumeId.ToString());
        Assert.Equal("vol-1", p.Alias);
        Assert.Equal(3, p.ReplicaCount);
        Assert.True(p.IsReadOnly);
        Assert.True(p.Encrypted);
        Assert.Equal(["nqn.r1", "nqn.r2", "nqn.r3"], p.Targets.Select(t => t.SubsystemNqn.Value));
        Assert.Equal("9b30ec12-75b9-4a53-be32-333333333333", p.Targets[2].NamespaceUuid.ToString());
    }

    [Theory]
    [InlineData("null", 2)]
    [InlineData("0", 2)]
    [InlineData("\"3\"", 3)]
    [InlineData("4", 4)] // KumoScale: more replicas than reachable targets (bug #1938870)
    public void Replica_count_falsy_means_as_listed(string count, int expected)
    {
        var p = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Uuid}}", "alias": "a", "replica_count": {{count}},
             "volume_replicas": [{"target_nqn": "nqn.r1", "portals": [["10.0.0.1", 4420, "tcp"]]}, {"target_nqn": "nqn.r2", "portals": [["10.0.0.2", 4420, "tcp"]]}]}
            """);
        Assert.Equal(expected, p.ReplicaCount);
    }

    [Fact]
    public void Single_replica_does_not_need_an_alias()
    {
        var p = ConnectionProperties.Parse($$"""{"vol_uuid": "{{Uuid}}", "replica_count": 1, "volume_replicas": [{"target_nqn": "nqn.r1", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""");
        Assert.Null(p.Alias);
        Assert.Equal(1, p.ReplicaCount);
        Assert.True(p.IsReplicated);
    }

    [Fact]
    public void Generic_keys_are_kept()
    {
        var p = ConnectionProperties.Parse($$"""
            {"target_nqn": "{{Nqn}}", "portals": [["10.1.1.1", 4420, "tcp"]], "access_mode": "ro", "discard": true, "encrypted": false,
             "cacheable": true, "enforce_multipath": true, "qos_specs": {"total_iops_sec": 1000, "nested": {"a": [1, 2]} },
             "device_path": "/dev/nvme0n1", "writable": true, "some_future_key": {"x": 1} }
            """);
        Assert.Equal(AccessMode.ReadOnly, p.AccessMode);
        Assert.True(p.Discard);
        Assert.False(p.Encrypted);
        Assert.True(p.Cacheable);
        Assert.True(p.EnforceMultipath);
        Assert.Equal(1000, p.QosSpecs!.Value.GetProperty("total_iops_sec").GetInt32());
        Assert.Equal("/dev/nvme0n1", p.DevicePath);
    }

    [Fact]
    public void Generic_keys_default_like_os_brick()
    {
        var p = ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", "portals": [["10.1.1.1", 4420, "tcp"]], "qos_specs": null, "encrypted": null}""");
        Assert.Equal(AccessMode.ReadWrite, p.AccessMode);
        Assert.False(p.Encrypted || p.Discard || p.Cacheable || p.EnforceMultipath);
        Assert.Null(p.QosSpecs);
        Assert.Null(p.DevicePath);
    }

    [Fact]
    public void The_callers_input_is_never_mutated_and_retained_values_outlive_it()
    {
        // os-brick pops the flat keys out of the caller's dict (§5.3 item 4).
        string json = $$"""{"nqn": "{{Nqn}}", "transport_type": "tcp", "target_portal": "10.0.2.15", "target_port": 4420, "qos_specs": {"a": 1} }""";
        ConnectionProperties p;
        using (var document = JsonDocument.Parse(json))
        {
            p = ConnectionProperties.Parse(document.RootElement);
            Assert.Equal(json, document.RootElement.GetRawText());
            Assert.Equal(["nqn", "transport_type", "target_portal", "target_port", "qos_specs"], document.RootElement.EnumerateObject().Select(x => x.Name));
        }
        Assert.Equal(1, p.QosSpecs!.Value.GetProperty("a").GetInt32()); // cloned: the document is disposed
    }

    [Fact]
    public void Utf8_and_string_inputs_parse_the_same()
    {
        string json = $$"""{"target_nqn": "{{Nqn}}", "portals": [["10.1.1.1", 4420, "tcp"]], "ns_id": 3}""";
        Assert.Equal(ConnectionProperties.Parse(json), ConnectionProperties.Parse(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"nqn": "nqn.x", "transport_type": "tcp", "target_portal": "10.0.2.15", "target_port": 4420, "ns_id": "7", "volume_nguid": "4941ef7595b8ee978ccf096800f205c6", "host_nqn": "nqn.h"}""")]
    [InlineData("""{"target_nqn": "nqn.x", "vol_uuid": "C20ABA21-6EF6-446B-B374-45733B4883BA", "portals": [["::1", 4420, "tcp"], ["10.0.0.1", "4421", "RoCEv2"]], "access_mode": "ro", "discard": true, "qos_specs": {"x": [1, {"y": null}]}, "device_path": "/dev/nvme1n1"}""")]
    [InlineData("""{"vol_uuid": "c20aba21-6ef6-446b-b374-45733b4883ba", "alias": "md-a", "replica_count": 3, "encrypted": true, "volume_replicas": [{"target_nqn": "nqn.r1", "vol_uuid": "9b30ec12-75b9-4a53-be32-111111111111", "portals": [["10.0.0.1", 4420, "tcp"]]}, {"target_nqn": "nqn.r2", "ns_id": 2, "portals": [{"address": "host.example.com", "port": 4420, "transport": "tcp"}]}]}""")]
    public void Serializes_back_to_os_brick_json_that_parses_to_the_same_value(string json)
    {
        var p = ConnectionProperties.Parse(json);
        string written = p.ToJson();
        var again = ConnectionProperties.Parse(written);
        Assert.Equal(p.Targets, again.Targets);
        Assert.Equal(written, again.ToJson());
        if (p.Format == ConnectionPropertiesFormat.Original)
            Assert.Equal(ConnectionPropertiesFormat.Target, again.Format); // written back in the new format
        else
            Assert.Equal(p, again);
    }

    [Fact]
    public void Serialized_form_uses_strings_for_ports_and_ns_id_and_lowercase_ids()
    {
        var p = ConnectionProperties.Parse("""{"target_nqn": "nqn.x", "vol_uuid": "C20ABA216EF6446BB37445733B4883BA", "ns_id": 7, "portals": [["10.0.0.1", 4420, "RoCEv2"]]}""");
        Assert.Equal("""{"target_nqn":"nqn.x","portals":[["10.0.0.1","4420","rdma"]],"vol_uuid":"c20aba21-6ef6-446b-b374-45733b4883ba","ns_id":"7","access_mode":"rw"}""",
            p.ToJson());
    }
}
