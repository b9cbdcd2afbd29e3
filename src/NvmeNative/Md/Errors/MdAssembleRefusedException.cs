namespace NvmeNative.Md;

/// <summary>
/// Assembling was refused before anything changed in the kernel: no usable member, or fewer fresh members than
/// mirror slots while the caller's policy does not allow a degraded start. <see cref="LeftOut"/> says why each
/// member that was not usable was left out.
/// </summary>
public sealed class MdAssembleRefusedException : MdException
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="message">Why assembling was refused.</param>
    /// <param name="leftOut">The members left out, with reasons.</param>
    public MdAssembleRefusedException(string message, IReadOnlyList<MdLeftOutMember> leftOut)
        : base(Compose(message, leftOut), "assemble")
    {
        LeftOut = leftOut;
    }

    /// <summary>The members left out, with reasons.</summary>
    public IReadOnlyList<MdLeftOutMember> LeftOut { get; }

    private static string Compose(string message, IReadOnlyList<MdLeftOutMember> leftOut) =>
        leftOut.Count == 0 ? message : message + "; left out: " + string.Join("; ", leftOut.Select(l => $"{l.Member}: {l.Reason} ({l.Detail})"));
}
