using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>What a detach did and what went wrong, gathered over one or more targets.</summary>
internal sealed class DetachOutcome
{
    internal List<string> Deleted { get; } = [];

    internal List<string> Kept { get; } = [];

    internal List<NvmeNativeException> Errors { get; } = [];

    /// <summary>Takes in what another part of the same detach (one replica's) did, after what is here.</summary>
    internal void Absorb(DetachOutcome other)
    {
        Deleted.AddRange(other.Deleted);
        Kept.AddRange(other.Kept);
        Errors.AddRange(other.Errors);
    }

    /// <summary>The result; the errors are thrown unless <paramref name="ignoreErrors"/> (os-brick's ignore_errors).</summary>
    internal DetachedVolume Finish(string? path, bool ignoreErrors)
    {
        if (Errors.Count > 0 && !ignoreErrors)
            throw Errors.Count == 1 ? Errors[0]
                : new NvmeNativeException("detach finished with errors: " + string.Join("; ", Errors.Select(e => e.Message)), "disconnect volume", path);
        return new DetachedVolume(path, Deleted, Kept, Errors);
    }
}
