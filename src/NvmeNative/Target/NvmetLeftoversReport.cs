using NvmeNative.Errors;

namespace NvmeNative.Target;

/// <summary>What <see cref="NvmetTarget.RemoveLeftovers"/> removed and what it could not.</summary>
/// <param name="Removed">Each configfs path (link, namespace, subsystem, port, host) and backing file removed, in order.</param>
/// <param name="Failures">Each removal that failed; the sweep continued past it.</param>
public sealed record NvmetLeftoversReport(IReadOnlyList<string> Removed, IReadOnlyList<NvmeNativeException> Failures);
