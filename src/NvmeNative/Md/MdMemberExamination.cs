namespace NvmeNative.Md;

/// <summary>
/// What a member's v1.2 superblock says (as <c>mdadm --examine</c> prints it): which array it belongs to, how far that
/// array had gone when this member was last written (events), its own slot, and its view of every member's role.
/// </summary>
/// <param name="Device">The member device examined.</param>
/// <param name="ArrayUuid">set_uuid.</param>
/// <param name="SetName">set_name, e.g. "any:vol1".</param>
/// <param name="Events">The array's event count when this superblock was last written.</param>
/// <param name="DevNumber">This member's index into <paramref name="DevRoles"/>.</param>
/// <param name="DevRoles">The role this superblock records for every dev number: a slot (0, 1, ...), or
/// <see cref="RoleSpare"/> / <see cref="RoleFaulty"/>.</param>
public sealed record MdMemberExamination(string Device, MdUuid ArrayUuid, string SetName, ulong Events, int DevNumber, IReadOnlyList<ushort> DevRoles)
{
    /// <summary>md_p.h MD_DISK_ROLE_SPARE: no slot (a spare, or a member removed from its slot).</summary>
    public const ushort RoleSpare = Interop.MdP.MD_DISK_ROLE_SPARE;

    /// <summary>md_p.h MD_DISK_ROLE_FAULTY: md failed this member while the array ran.</summary>
    public const ushort RoleFaulty = Interop.MdP.MD_DISK_ROLE_FAULTY;

    /// <summary>
    /// The array's logical block size as kernels after 6.18 record it in the superblock (they write it for the arrays
    /// they create), or 0 when unset. Kernels up to 6.18 cannot assemble a member on which it is set.
    /// </summary>
    public uint LogicalBlockSize { get; init; }
}
