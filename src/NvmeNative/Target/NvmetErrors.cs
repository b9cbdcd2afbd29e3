using NvmeNative.Errors;

namespace NvmeNative.Target;

/// <summary>Turns configfs errnos into messages that say what nvmet meant by them.</summary>
internal static class NvmetErrors
{
    /// <summary>A failed mkdir/rmdir/symlink/unlink, with an explanation when we know one.</summary>
    internal static NvmeNativeException Syscall(int errno, string operation, string path, string? hint = null) =>
        new(Compose(errno, hint), operation, path, errno);

    /// <summary>Re-throws a failed attribute write with the attribute, the value and a hint.</summary>
    internal static NvmeNativeException Attribute(NvmeNativeException e, string attribute, string value, string? hint) =>
        new($"writing '{value}' was refused: {Compose(e.ErrnoValue ?? 0, hint)}", $"write {attribute}", e.Path,
            e.ErrnoValue, innerException: e);

    /// <summary>The nvmet configfs root is missing: the module is not loaded or configfs is not mounted.</summary>
    internal static string? MissingRoot(int errno, string nvmetRoot) =>
        errno == (int)Errno.ENOENT && !Directory.Exists(nvmetRoot)
            ? $"{nvmetRoot} does not exist: load nvmet (modprobe nvmet-tcp) and mount configfs"
            : null;

    private static string Compose(int errno, string? hint) =>
        errno == 0 ? hint ?? "failed" : hint is null ? ErrnoText.Describe(errno) : $"{ErrnoText.Describe(errno)}; {hint}";
}
