namespace NvmeNative.Md;

/// <summary>One member as GET_DISK_INFO reports it.</summary>
/// <param name="Number">The descriptor number (the member's superblock dev_number).</param>
/// <param name="Major">Device major number.</param>
/// <param name="Minor">Device minor number.</param>
/// <param name="RaidDisk">The mirror slot, or -1 (spare, faulty).</param>
/// <param name="State">State bits.</param>
public sealed record MdDiskInfo(int Number, uint Major, uint Minor, int RaidDisk, MdDiskStates State);
