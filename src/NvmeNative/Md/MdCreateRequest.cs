namespace NvmeNative.Md;

/// <summary>
/// A RAID1 array to create, as <c>mdadm --create --level=1 --metadata=1.2 --bitmap=internal --assume-clean --failfast
/// --homehost=any --name=NAME</c> would.
/// </summary>
/// <param name="Name">The array name (superblock set_name "any:NAME", link /dev/md/NAME).</param>
/// <param name="Members">The member block devices, in slot order (two or more).</param>
public sealed record MdCreateRequest(MdArrayName Name, IReadOnlyList<string> Members)
{
    /// <summary>The array uuid (mdadm --uuid); a random one when null.</summary>
    public MdUuid? Uuid { get; init; }

    /// <summary>Start the array read-only (mdadm -o): no writes, no superblock updates, until made writable.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Mark every member failfast (the default, as os-brick creates replicated volumes).</summary>
    public bool FailFast { get; init; } = true;

    /// <summary>Which member sizes are accepted.</summary>
    public MdSizePolicy SizePolicy { get; init; } = MdSizePolicy.Default;

    /// <summary>
    /// Allow members that already carry md metadata (the old superblocks are erased, as mdadm --create --run does).
    /// False by default: such a member usually holds a replica that must be assembled, not overwritten.
    /// </summary>
    public bool OverwriteExistingMetadata { get; init; }

    /// <summary>
    /// Delete the kernel's partitions of the members first, as mdadm --create does (BLKPG_DEL_PARTITION; the partition
    /// table on the device is left as it is). False by default: a member with partitions is refused, since they would be
    /// destroyed. A member whose partition is in use, or that is held by another driver, is refused either way.
    /// </summary>
    public bool DeletePartitions { get; init; }
}
