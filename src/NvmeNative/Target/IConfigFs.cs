using NvmeNative.Errors;

namespace NvmeNative.Target;

/// <summary>
/// The configfs operations the nvmet rig performs, as one seam: the live implementation makes single
/// system calls; unit tests substitute a recorder that emulates configfs on plain directories (default
/// groups, attribute files, rmdir refusals) to check the order of operations and the cleanup.
/// Try* methods return 0 or the errno, so callers decide which errnos are normal (ENOENT while cleaning).
/// </summary>
internal interface IConfigFs
{
    /// <summary>mkdir: creates a configfs item (subsystem, namespace, port, host).</summary>
    int TryMakeDirectory(string path);

    /// <summary>rmdir: destroys a configfs item; never recursive.</summary>
    int TryRemoveDirectory(string path);

    /// <summary>symlink: associates two items (<paramref name="linkPath"/> → <paramref name="target"/>).</summary>
    int TrySymlink(string target, string linkPath);

    /// <summary>unlink: drops the association a configfs link stands for.</summary>
    int TryUnlink(string path);

    /// <summary>Writes one attribute with one write(2); throws <see cref="NvmeNativeException"/> with the errno.</summary>
    void WriteAttribute(string path, string value);

    /// <summary>Reads one attribute, or null when it does not exist.</summary>
    string? ReadAttribute(string path);
}
