namespace NvmeNative.Md;

/// <summary>An existing array to assemble from its members (or to adopt, if the host already assembled it).</summary>
/// <param name="Members">The member block devices to use.</param>
public sealed record MdAssembleRequest(IReadOnlyList<string> Members)
{
    /// <summary>The array to assemble; required when the members carry superblocks of more than one array.</summary>
    public MdUuid? Uuid { get; init; }

    /// <summary>The /dev/md/NAME link to make; by default the name in the superblock (set_name without "host:").</summary>
    public MdArrayName? Name { get; init; }

    /// <summary>Start even when fewer fresh members than mirror slots are available (mdadm --run).</summary>
    public bool AllowDegraded { get; init; }

    /// <summary>Start read-only (mdadm -o).</summary>
    public bool ReadOnly { get; init; }
}
