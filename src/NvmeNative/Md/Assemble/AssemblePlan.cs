namespace NvmeNative.Md;

/// <summary>The members an assemble will bind, in ADD_NEW_DISK order (the freshest last, as mdadm does), and the ones it leaves out.</summary>
internal sealed record AssemblePlan(
    MdUuid Uuid,
    string SetName,
    int RaidDisks,
    MemberSuperblock Freshest,
    IReadOnlyList<MemberSuperblock> Included,
    IReadOnlyList<MdLeftOutMember> LeftOut)
{
    /// <summary>True when fewer members than mirror slots will be bound.</summary>
    internal bool IsDegraded => Included.Count < RaidDisks;
}
