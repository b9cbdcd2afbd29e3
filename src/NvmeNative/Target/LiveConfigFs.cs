using NvmeNative.Kernel;

namespace NvmeNative.Target;

/// <summary>The real configfs: each operation is exactly one system call (see <see cref="PathOps"/>).</summary>
internal sealed class LiveConfigFs : IConfigFs
{
    internal static LiveConfigFs Instance { get; } = new();

    // configfs ignores the mode (items get their type's permissions); 0755 is what mkdir(1) would ask for.
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public int TryMakeDirectory(string path) => PathOps.TryMakeDirectory(path, DirectoryMode);

    public int TryRemoveDirectory(string path) => PathOps.TryRemoveDirectory(path);

    public int TrySymlink(string target, string linkPath) => PathOps.TrySymlink(target, linkPath);

    public int TryUnlink(string path) => PathOps.TryUnlink(path);

    public void WriteAttribute(string path, string value) => SysfsFile.Write(path, value);

    public string? ReadAttribute(string path) => SysfsFile.TryRead(path);
}
