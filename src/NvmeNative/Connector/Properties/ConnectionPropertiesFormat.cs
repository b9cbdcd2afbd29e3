namespace NvmeNative.Connector;

/// <summary>Which os-brick connection-properties shape the input had.</summary>
public enum ConnectionPropertiesFormat
{
    /// <summary>The original flat format (Cinder <c>nvmeof_conn_info_version</c> 1): <c>nqn</c>, <c>transport_type</c>, <c>target_portal</c>, <c>target_port</c>.</summary>
    Original,

    /// <summary>The new single-target format (version 2): <c>target_nqn</c> (or the spec's <c>nqn</c>) and <c>portals</c> as [address, port, transport] triples or {"address","port","transport"} objects.</summary>
    Target,

    /// <summary>The replicated (md RAID1) format: <c>vol_uuid</c>, <c>alias</c>, <c>volume_replicas</c>, <c>replica_count</c>.</summary>
    Replicated,
}
