using NvmeNative.Kernel;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>A temp directory laid out like /sys, /dev, /proc and /run, for the Md layer's sysfs logic.</summary>
internal sealed class FakeKernelTree : IDisposable
{
    internal FakeKernelTree()
    {
        Root = Directory.CreateTempSubdirectory("nvmenative-md-").FullName;
        Paths = KernelPaths.UnderRoot(Root);
        foreach (var dir in new[] { Paths.Sys, Paths.Dev, Paths.Proc, Paths.Run })
            Directory.CreateDirectory(dir);
    }

    internal string Root { get; }

    internal KernelPaths Paths { get; }

    internal MdPaths MdPaths => new(Paths);

    /// <summary>Writes a file (creating directories), with a trailing newline as sysfs attributes have.</summary>
    internal string Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content + "\n");
        return path;
    }

    internal void MdStat(string content) => Write(Path.Combine(Paths.Proc, "mdstat"), content);

    internal void LoadMdMod() => Write(Path.Combine(Paths.Sys, "module/md_mod/parameters/new_array"), "");

    /// <summary>An md device's sysfs directory with the given attributes.</summary>
    internal void Md(string name, params (string Attribute, string Value)[] attributes)
    {
        string dir = Path.Combine(Paths.Sys, "block", name, "md");
        Directory.CreateDirectory(dir);
        foreach (var (attribute, value) in attributes)
            Write(Path.Combine(dir, attribute), value);
    }

    /// <summary>A member directory md/dev-KNAME with state, slot, size and block/dev.</summary>
    internal void Member(string md, string kernelName, string devNumbers, string state, string slot, long sizeKiB = 1024)
    {
        string dir = Path.Combine(Paths.Sys, "block", md, "md", "dev-" + kernelName);
        Write(Path.Combine(dir, "state"), state);
        Write(Path.Combine(dir, "slot"), slot);
        Write(Path.Combine(dir, "size"), sizeKiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(Path.Combine(dir, "block", "dev"), devNumbers);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
