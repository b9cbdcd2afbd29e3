using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Target;

namespace NvmeNative.Tests.Target;

/// <summary>
/// nvmet's configfs emulated on plain directories under <see cref="KernelPaths.UnderRoot"/>: mkdir of an
/// item creates its default groups and attribute files, rmdir refuses while user-made children (links,
/// namespaces) exist and removes the defaults, allowed_hosts links are refused while any host is allowed,
/// attributes that need a disabled namespace answer EBUSY. Every call is logged relative to the nvmet root
/// ("mkdir subsystems/X", "write subsystems/X/namespaces/1/enable=1", ...) and can be made to fail.
/// </summary>
internal sealed class FakeConfigFs : IConfigFs, IDisposable
{
    private static readonly string[] SubsystemAttributes = ["attr_allow_any_host", "attr_serial", "attr_model", "attr_version"];
    private static readonly string[] NamespaceAttributes = ["device_path", "device_uuid", "device_nguid", "enable", "buffered_io", "revalidate_size"];
    private static readonly string[] PortAttributes = ["addr_trtype", "addr_adrfam", "addr_traddr", "addr_trsvcid"];

    private readonly List<(Func<string, string, bool> When, int Errno)> _failures = [];

    // The configfs mount and the backing files live in one fake kernel root.
    private readonly FakeKernelTree _tree = new("nvmenative-configfs-");

    internal FakeConfigFs()
    {
        Nvmet = Path.Combine(Paths.Config, "nvmet");
        foreach (string group in new[] { "subsystems", "ports", "hosts" })
            Directory.CreateDirectory(Path.Combine(Nvmet, group));
        Files = Path.Combine(Root, "files");
        Directory.CreateDirectory(Files);
    }

    internal string Root => _tree.Root;

    internal KernelPaths Paths => _tree.Paths;

    internal string Nvmet { get; }

    /// <summary>A directory for backing files, outside the configfs tree.</summary>
    internal string Files { get; }

    /// <summary>Every operation, in order, relative to the nvmet root.</summary>
    internal List<string> Log { get; } = [];

    /// <summary>Emulates tmpfs: enabling a file namespace without buffered_io fails with EINVAL.</summary>
    internal bool FilesNeedBufferedIo { get; set; }

    /// <summary>Makes operations fail: <paramref name="when"/>(operation, relative path) → errno.</summary>
    internal void Fail(Func<string, string, bool> when, Errno errno) => _failures.Add((when, (int)errno));

    internal void Fail(string operation, string relativePath, Errno errno) =>
        Fail((op, path) => op == operation && path == relativePath, errno);

    internal string Rel(string path) => Path.GetRelativePath(Nvmet, path);

    internal string Abs(string relative) => Path.Combine(Nvmet, relative);

    /// <summary>Every path under the nvmet root (directories, files, links), sorted.</summary>
    internal List<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(Nvmet, "*", SearchOption.AllDirectories).Select(Rel).Order(StringComparer.Ordinal).ToList();

    internal string Attribute(string relative) => File.ReadAllText(Abs(relative));

    public void Dispose() => _tree.Dispose();

    public int TryMakeDirectory(string path)
    {
        string rel = Rel(path);
        if (Injected("mkdir", rel) is int injected)
            return injected;
        Log.Add($"mkdir {rel}");
        if (!Directory.Exists(Path.GetDirectoryName(path)))
            return (int)Errno.ENOENT;
        if (Path.Exists(path))
            return (int)Errno.EEXIST;
        string[] parts = rel.Split('/');
        switch (parts)
        {
            case ["subsystems", _]:
                Directory.CreateDirectory(path);
                Directory.CreateDirectory(Path.Combine(path, "namespaces"));
                Directory.CreateDirectory(Path.Combine(path, "allowed_hosts"));
                foreach (string a in SubsystemAttributes)
                    File.WriteAllText(Path.Combine(path, a), a == "attr_allow_any_host" ? "0" : "");
                return 0;
            case ["subsystems", _, "namespaces", var nsid]:
                if (!uint.TryParse(nsid, out uint n) || n is 0 or 0xffffffff)
                    return (int)Errno.EINVAL;
                Directory.CreateDirectory(path);
                foreach (string a in NamespaceAttributes)
                    File.WriteAllText(Path.Combine(path, a), a switch
                    {
                        "device_uuid" => Guid.NewGuid().ToString("D"),
                        "device_nguid" => Guid.Empty.ToString("D"),
                        "enable" or "buffered_io" => "0",
                        _ => "",
                    });
                return 0;
            case ["ports", var id]:
                if (!ushort.TryParse(id, out _))
                    return (int)Errno.EINVAL;
                Directory.CreateDirectory(path);
                foreach (string g in new[] { "subsystems", "referrals", "ana_groups" })
                    Directory.CreateDirectory(Path.Combine(path, g));
                foreach (string a in PortAttributes)
                    File.WriteAllText(Path.Combine(path, a), "");
                return 0;
            case ["hosts", _]:
                Directory.CreateDirectory(path);
                return 0;
            default:
                return (int)Errno.EPERM; // not a group that makes items
        }
    }

    public int TryRemoveDirectory(string path)
    {
        string rel = Rel(path);
        if (Injected("rmdir", rel) is int injected)
            return injected;
        Log.Add($"rmdir {rel}");
        if (!Directory.Exists(path))
            return (int)Errno.ENOENT;
        string[] defaults = rel.Split('/') switch
        {
            ["subsystems", _] => ["namespaces", "allowed_hosts", .. SubsystemAttributes],
            ["subsystems", _, "namespaces", _] => NamespaceAttributes,
            ["ports", _] => ["subsystems", "referrals", "ana_groups", .. PortAttributes],
            ["hosts", _] => [],
            _ => ["(not an item)"],
        };
        if (defaults is ["(not an item)"])
            return (int)Errno.EPERM;
        // configfs refuses while anything user-made is inside, default groups included.
        foreach (string entry in Directory.EnumerateFileSystemEntries(path))
        {
            string name = Path.GetFileName(entry);
            if (!defaults.Contains(name))
                return (int)Errno.ENOTEMPTY;
            if (Directory.Exists(entry) && new FileInfo(entry).LinkTarget is null && Directory.EnumerateFileSystemEntries(entry).Any())
                return (int)Errno.ENOTEMPTY;
        }
        Directory.Delete(path, recursive: true);
        return 0;
    }

    public int TrySymlink(string target, string linkPath)
    {
        string rel = Rel(linkPath);
        if (Injected("symlink", rel) is int injected)
            return injected;
        Log.Add($"symlink {rel} -> {Rel(target)}");
        if (!Directory.Exists(target) || !Directory.Exists(Path.GetDirectoryName(linkPath)))
            return (int)Errno.ENOENT;
        if (Path.Exists(linkPath))
            return (int)Errno.EEXIST;
        if (rel.Split('/') is ["subsystems", var nqn, "allowed_hosts", _]
            && Attribute($"subsystems/{nqn}/attr_allow_any_host") == "1")
            return (int)Errno.EINVAL;
        File.CreateSymbolicLink(linkPath, target);
        return 0;
    }

    public int TryUnlink(string path)
    {
        string rel = Rel(path);
        if (Injected("unlink", rel) is int injected)
            return injected;
        Log.Add($"unlink {rel}");
        var info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null && !Directory.Exists(path))
            return (int)Errno.ENOENT;
        if (info.LinkTarget is null)
            return (int)Errno.EPERM; // configfs: only links can be unlinked
        info.Delete();
        return 0;
    }

    public void WriteAttribute(string path, string value)
    {
        string rel = Rel(path);
        if (Injected("write", rel) is int injected)
            throw new NvmeNativeException("injected", "write", path, injected);
        Log.Add($"write {rel}={value}");
        if (!File.Exists(path))
            throw new NvmeNativeException("no such attribute", "open", path, (int)Errno.ENOENT);
        string dir = Path.GetDirectoryName(path)!;
        string name = Path.GetFileName(path);
        bool enabled = File.Exists(Path.Combine(dir, "enable")) && File.ReadAllText(Path.Combine(dir, "enable")) == "1";
        if (name is "device_path" or "device_uuid" or "device_nguid" or "buffered_io" && enabled)
            throw new NvmeNativeException("busy", "write", path, (int)Errno.EBUSY);
        if (name == "enable" && value == "1" && FilesNeedBufferedIo
            && File.Exists(File.ReadAllText(Path.Combine(dir, "device_path")))
            && File.ReadAllText(Path.Combine(dir, "buffered_io")) != "1")
            throw new NvmeNativeException("invalid", "write", path, (int)Errno.EINVAL);
        if (name == "revalidate_size")
            return; // write-only trigger
        File.WriteAllText(path, value);
    }

    public string? ReadAttribute(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private int? Injected(string operation, string rel)
    {
        foreach (var (when, errno) in _failures)
        {
            if (when(operation, rel))
            {
                Log.Add($"{operation} {rel} !{(Errno)errno}");
                return errno;
            }
        }
        return null;
    }
}
