using F = NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>Conversions between the public Md types and the on-disk format layer's own value types.</summary>
internal static class MdFormatBridge
{
    internal static F.MdUuid ToFormat(this MdUuid uuid) => F.MdUuid.FromBytes(uuid.Bytes);

    internal static MdUuid FromFormat(F.MdUuid uuid) => new(uuid.ToArray());

    internal static F.MdArrayName ToFormat(this MdArrayName name) => F.MdArrayName.Parse(name.Value);

    /// <summary>What assembling needs from a decoded superblock.</summary>
    internal static MemberSuperblock ToMemberSuperblock(string member, F.Superblock1 sb) =>
        new(member, FromFormat(sb.SetUuid), sb.SetName, sb.Level, sb.RaidDisks, checked((int)sb.DevNumber), sb.Events,
            sb.DevRoles, sb.FailFast, sb.Size);
}
