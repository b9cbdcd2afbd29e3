namespace NvmeNative.Md;

/// <summary>A running md RAID1 array that this library created, assembled or adopted.</summary>
/// <param name="Device">The md device (md127).</param>
/// <param name="Node">Its block device node (/dev/md127).</param>
/// <param name="Uuid">The array uuid.</param>
/// <param name="Name">The array name (from --name / the superblock), when it has a valid one.</param>
/// <param name="Link">The /dev/md/NAME link we made or found, or null.</param>
/// <param name="SizeBytes">The array's capacity in bytes.</param>
/// <param name="Members">The member block devices bound to it.</param>
public sealed record MdArray(
    MdDeviceName Device,
    string Node,
    MdUuid Uuid,
    MdArrayName? Name,
    string? Link,
    long SizeBytes,
    IReadOnlyList<string> Members);
