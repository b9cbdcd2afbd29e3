using NvmeNative.Errors;

namespace NvmeNative.Target;

/// <summary>
/// Tearing down a rig left something behind. Every object was still attempted (a failure does not stop
/// the others); <see cref="Failures"/> lists each one that could not be removed, with its errno and path.
/// Objects that were already gone are not failures.
/// </summary>
public sealed class NvmetCleanupException : NvmeNativeException
{
    /// <summary>Creates the exception from the individual failures (at least one).</summary>
    public NvmetCleanupException(IReadOnlyList<NvmeNativeException> failures)
        : base(Describe(failures), "remove nvmet objects", failures[0].Path, failures[0].ErrnoValue, innerException: failures[0])
    {
        Failures = failures;
    }

    /// <summary>Each removal that failed, in the order it was attempted.</summary>
    public IReadOnlyList<NvmeNativeException> Failures { get; }

    private static string Describe(IReadOnlyList<NvmeNativeException> failures) =>
        $"{failures.Count} object(s) could not be removed: " + string.Join("; ", failures.Select(f => f.Message));
}
