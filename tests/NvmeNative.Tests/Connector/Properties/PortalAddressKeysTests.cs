using NvmeNative.Connector;

namespace NvmeNative.Tests.Connector.Properties;

/// <summary>Each portal remembers where its address was written, so a host name that does not resolve is reported there.</summary>
public sealed class PortalAddressKeysTests
{
    [Fact]
    public void Tuple_dict_original_and_replicated_portals_name_their_address_key()
    {
        var tuple = ConnectionProperties.Parse("""{"target_nqn": "nqn.x", "portals": [["a.example", 4420, "tcp"], ["b.example", 4420, "tcp"]]}""");
        Assert.Equal(["portals[0][0]", "portals[1][0]"], tuple.Targets[0].PortalAddressKeys);

        var dict = ConnectionProperties.Parse("""{"target_nqn": "nqn.x", "portals": [{"address": "a.example", "port": 4420, "transport": "tcp"}]}""");
        Assert.Equal(["portals[0].address"], dict.Targets[0].PortalAddressKeys);

        var original = ConnectionProperties.Parse("""{"nqn": "nqn.x", "target_portal": "a.example", "target_port": 4420, "transport_type": "tcp"}""");
        Assert.Equal(["target_portal"], original.Targets[0].PortalAddressKeys);

        var replicated = ConnectionProperties.Parse("""
            {"vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c11", "alias": "v", "replica_count": 2, "volume_replicas": [
              {"target_nqn": "nqn.a", "vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c12", "portals": [["a.example", 4420, "tcp"]]},
              {"target_nqn": "nqn.b", "vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c13", "portals": [["b.example", 4420, "tcp"]]}]}
            """);
        Assert.Equal(["volume_replicas[1].portals[0][0]"], replicated.Targets[1].PortalAddressKeys);
    }
}
