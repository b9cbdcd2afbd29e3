namespace NvmeNative.Md;

/// <summary>A member that assembling did not use, and why.</summary>
/// <param name="Member">The member's path.</param>
/// <param name="Reason">Why it was left out.</param>
/// <param name="Detail">The facts behind the reason (event counts, roles), for a person.</param>
public sealed record MdLeftOutMember(string Member, MdLeftOutReason Reason, string Detail)
{
    /// <summary>A member whose md metadata failed its checks: left out, never written.</summary>
    internal static MdLeftOutMember InvalidMetadata(string member, MdSuperblockException e) =>
        new(member, MdLeftOutReason.InvalidMetadata, e.LeftOutDetail);
}
