namespace NvmeNative.Md;

/// <summary>The outcome of an assemble.</summary>
/// <param name="Array">The running array.</param>
/// <param name="Adopted">True when the host had already assembled it (udev incremental assembly, possibly under another md name) and we took it over instead of assembling.</param>
/// <param name="Degraded">True when it runs with fewer in-sync mirrors than slots.</param>
/// <param name="LeftOut">Members that were not used, and why.</param>
public sealed record MdAssembleResult(MdArray Array, bool Adopted, bool Degraded, IReadOnlyList<MdLeftOutMember> LeftOut);
