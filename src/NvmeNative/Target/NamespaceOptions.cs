using NvmeNative.Nvme;

namespace NvmeNative.Target;

/// <summary>Optional attributes of an nvmet namespace. Every value is written before the namespace is enabled.</summary>
public sealed record NamespaceOptions
{
    /// <summary>The namespace ID (1..0xfffffffe). Null picks the lowest one the subsystem does not use.</summary>
    public uint? Nsid { get; init; }

    /// <summary>device_uuid, which the host shows as the namespace's <c>uuid</c>. Null keeps the one nvmet generates.</summary>
    public Guid? Uuid { get; init; }

    /// <summary>
    /// device_nguid. The 16 NGUID bytes are the Guid's big-endian bytes, i.e. the order in which
    /// <see cref="Guid.ToString()"/> prints them (which is how nvmet and the host print NGUIDs). Null keeps all zeros.
    /// </summary>
    public Guid? Nguid { get; init; }

    /// <summary>
    /// buffered_io: serve I/O through the page cache instead of O_DIRECT. Null means true for a file
    /// (a file on a file system without O_DIRECT, such as tmpfs before Linux 6.6, cannot be enabled otherwise)
    /// and false for a block device.
    /// </summary>
    public bool? BufferedIo { get; init; }

    /// <summary>Whether to enable the namespace when it is added (default true).</summary>
    public bool Enable { get; init; } = true;
}
