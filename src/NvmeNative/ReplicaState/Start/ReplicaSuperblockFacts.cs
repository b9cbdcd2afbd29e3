namespace NvmeNative.ReplicaState;

/// <summary>
/// What the start rule needs from one replica's md v1.2 superblock (the same facts as the assembler's member
/// superblock, kept separate so the rule does not depend on the Md layer).
/// </summary>
/// <param name="ArrayUuid">set_uuid, in any usual spelling (normalised to 32 hex digits).</param>
/// <param name="Events">events.</param>
/// <param name="DevNumber">dev_number: this member's index into <paramref name="DevRoles"/>.</param>
/// <param name="DevRoles">dev_roles: the role this superblock records for every dev_number.</param>
public sealed record ReplicaSuperblockFacts(string ArrayUuid, ulong Events, int DevNumber, IReadOnlyList<ushort> DevRoles)
{
    /// <summary>md_p.h MD_DISK_ROLE_SPARE.</summary>
    public const ushort RoleSpare = 0xffff;

    /// <summary>md_p.h MD_DISK_ROLE_FAULTY.</summary>
    public const ushort RoleFaulty = 0xfffe;

    /// <summary>md_p.h MD_DISK_ROLE_MAX: roles at or above it are not mirror slots (spare, faulty, journal).</summary>
    public const ushort RoleMax = 0xff00;

    /// <summary>The role recorded for dev_number <paramref name="number"/> (spare when outside the table).</summary>
    public ushort RoleOf(int number) => number >= 0 && number < DevRoles.Count ? DevRoles[number] : RoleSpare;

    /// <summary>The member's own role in its own superblock.</summary>
    public ushort OwnRole => RoleOf(DevNumber);

    /// <summary>True when its own superblock says it fills a mirror slot.</summary>
    public bool IsActive => OwnRole < RoleMax;

    /// <summary>"slot 1", "faulty", "spare".</summary>
    public static string DescribeRole(ushort role) => role switch
    {
        RoleSpare => "spare",
        RoleFaulty => "faulty",
        0xfffd => "journal",
        _ => $"slot {role}",
    };
}
