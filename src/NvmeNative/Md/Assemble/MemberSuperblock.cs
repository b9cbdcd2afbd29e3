using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>
/// What assembling needs from one member's v1.2 superblock (decoded by the Md.Format codec): identity, role,
/// event count and the member's view of every slot.
/// </summary>
/// <param name="Member">The member's path.</param>
/// <param name="Uuid">set_uuid.</param>
/// <param name="SetName">set_name, e.g. "any:vol1".</param>
/// <param name="Level">level (1 for RAID1).</param>
/// <param name="RaidDisks">raid_disks.</param>
/// <param name="DevNumber">dev_number: the member's index into dev_roles (GET_DISK_INFO's number).</param>
/// <param name="Events">events: bumped by every superblock update.</param>
/// <param name="DevRoles">dev_roles: the role this superblock records for every dev_number.</param>
/// <param name="FailFast">devflags has FailFast1.</param>
/// <param name="ArraySectors">size: sectors used on each member (the array size for RAID1).</param>
internal sealed record MemberSuperblock(
    string Member,
    MdUuid Uuid,
    string SetName,
    int Level,
    int RaidDisks,
    int DevNumber,
    ulong Events,
    IReadOnlyList<ushort> DevRoles,
    bool FailFast,
    ulong ArraySectors)
{
    /// <summary>What assembling needs from <paramref name="member"/>'s decoded superblock.</summary>
    internal static MemberSuperblock From(string member, Superblock1 sb) =>
        new(member, sb.SetUuid, sb.SetName, sb.Level, sb.RaidDisks, checked((int)sb.DevNumber), sb.Events,
            sb.DevRoles, sb.FailFast, sb.Size);

    /// <summary>Roles at or above this are not mirror slots (spare, faulty, journal): md_p.h MD_DISK_ROLE_MAX.</summary>
    internal const ushort RoleMax = Interop.MdP.MD_DISK_ROLE_MAX;

    /// <summary>The role this superblock records for dev_number <paramref name="number"/> (spare when out of range).</summary>
    internal ushort RoleOf(int number) =>
        number >= 0 && number < DevRoles.Count ? DevRoles[number] : Interop.MdP.MD_DISK_ROLE_SPARE;

    /// <summary>The member's own role according to its own superblock.</summary>
    internal ushort OwnRole => RoleOf(DevNumber);

    /// <summary>True when the member's own superblock says it fills a mirror slot.</summary>
    internal bool IsActive => OwnRole < RoleMax;

    internal static string DescribeRole(ushort role) => role switch
    {
        Interop.MdP.MD_DISK_ROLE_SPARE => "spare",
        Interop.MdP.MD_DISK_ROLE_FAULTY => "faulty",
        Interop.MdP.MD_DISK_ROLE_JOURNAL => "journal",
        _ => $"slot {role}",
    };
}
