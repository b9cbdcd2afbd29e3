namespace NvmeNative.Md;

/// <summary>What member sizes a create accepts. RAID1 uses the smallest member's size on every member, so a much larger member wastes space and usually means a wrong device.</summary>
/// <param name="MaxDifferencePercent">How much larger than the smallest member the largest may be, in percent of the smallest (mdadm warns above 1 %).</param>
/// <param name="MinimumMemberBytes">The smallest member accepted (md needs room for the superblock, bitmap and data offset).</param>
public sealed record MdSizePolicy(double MaxDifferencePercent = 1.0, long MinimumMemberBytes = 8L << 20)
{
    /// <summary>At most 1 % difference, members of at least 8 MiB.</summary>
    public static MdSizePolicy Default { get; } = new();

    /// <summary>The reason the sizes are refused, or null when they are acceptable.</summary>
    internal string? Check(IReadOnlyList<(string Member, long Bytes)> sizes)
    {
        foreach (var (member, bytes) in sizes)
            if (bytes < MinimumMemberBytes)
                return $"{member} has {bytes} bytes; the policy needs at least {MinimumMemberBytes}";
        long min = sizes.Min(s => s.Bytes), max = sizes.Max(s => s.Bytes);
        double percent = (max - min) * 100.0 / min;
        return percent > MaxDifferencePercent
            ? $"member sizes differ by {percent:0.##} % ({min} to {max} bytes); the policy allows {MaxDifferencePercent} %"
            : null;
    }
}
