namespace NvmeNative.Md;

/// <summary>One member of a running array, from its <c>md/dev-KERNELNAME/</c> sysfs directory.</summary>
/// <param name="KernelName">The member's kernel name (nvme1n1, loop3).</param>
/// <param name="Major">Device major number.</param>
/// <param name="Minor">Device minor number.</param>
/// <param name="Slot">The mirror slot it fills, or null when it fills none (spare, faulty).</param>
/// <param name="Flags">Its state words.</param>
/// <param name="RawState">The state attribute as the kernel wrote it.</param>
/// <param name="SizeKiB">The size md uses on it (<c>size</c>), in KiB.</param>
public sealed record MdMemberState(string KernelName, uint Major, uint Minor, int? Slot, MdMemberFlags Flags, string RawState, long SizeKiB)
{
    /// <summary>True when the member is an in-sync mirror and not faulty.</summary>
    public bool IsActive => Flags.HasFlag(MdMemberFlags.InSync) && !Flags.HasFlag(MdMemberFlags.Faulty);
}
