using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick's <c>get_connector_properties</c> for NVMe-oF: what a storage backend needs to export a volume to
/// this host. Keys in os-brick's dictionary: <c>nqn</c>, <c>nvme_hostid</c>, <c>system uuid</c>,
/// <c>nvme_native_multipath</c> and <c>uuid</c>.
/// </summary>
/// <param name="HostNqn">The host NQN (created and persisted in /etc/nvme if missing, as os-brick does).</param>
/// <param name="HostId">The host id, paired with the NQN.</param>
/// <param name="SystemUuid">The DMI product uuid, or null when unreadable or all-zero.</param>
/// <param name="NativeMultipath">Whether nvme_core's native multipath is on.</param>
/// <param name="RootFilesystemUuid">os-brick's <c>uuid</c>: the UUID of the file system mounted at <c>/</c>, as
/// blkid prints it; null when the root is an overlay or virtual, unreadable (not root), or not ext2/3/4, XFS or
/// btrfs on a host without udev's <c>/dev/disk/by-uuid</c>.</param>
public sealed record HostConnectorProperties(Nqn HostNqn, NvmeUuid HostId, NvmeUuid? SystemUuid, bool NativeMultipath,
    string? RootFilesystemUuid);
