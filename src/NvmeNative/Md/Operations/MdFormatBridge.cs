using F = NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>What the operations need from the on-disk format layer's decoded superblocks.</summary>
internal static class MdFormatBridge
{
    /// <summary>What assembling needs from a decoded superblock.</summary>
    internal static MemberSuperblock ToMemberSuperblock(string member, F.Superblock1 sb) =>
        new(member, sb.SetUuid, sb.SetName, sb.Level, sb.RaidDisks, checked((int)sb.DevNumber), sb.Events,
            sb.DevRoles, sb.FailFast, sb.Size);
}
