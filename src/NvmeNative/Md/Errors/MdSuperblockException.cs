using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>
/// md metadata on a member that cannot be used: a v1.x superblock or its write-intent bitmap superblock
/// breaks a rule the kernel (super_1_load, md_bitmap_read_sb) or mdadm enforces. <see cref="Rule"/> names
/// the field or check that failed, e.g. "sb_csum" or "max_dev". A member with no md superblock at all is
/// not an error: readers report that as "none found".
/// </summary>
public class MdSuperblockException : NvmeNativeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, with the values found.</param>
    /// <param name="rule">The field or check that failed (a C field name where there is one).</param>
    /// <param name="path">The member device, when known.</param>
    /// <param name="operation">What was being done; defaults to reading the superblock.</param>
    public MdSuperblockException(string message, string rule, string? path = null, string operation = "read md superblock")
        : base(message, operation, path)
    {
        Rule = rule;
    }

    /// <summary>The field or check that failed, e.g. "magic", "sb_csum", "bitmap chunksize".</summary>
    public string Rule { get; }

    /// <summary>Why a member with this metadata is left out: the rule and the message.</summary>
    internal string LeftOutDetail => $"invalid md metadata ({Rule}): {Message}";
}
