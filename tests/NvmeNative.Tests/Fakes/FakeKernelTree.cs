using NvmeNative.Kernel;

namespace NvmeNative.Tests.Fakes;

/// <summary>
/// A throwaway root with <see cref="KernelPaths.UnderRoot"/> pointing into it, deleted on dispose. It starts
/// empty, not even sys/ or run/, so a test can assert that an operation created nothing. The one base of the
/// unit tests' fake kernels: the layer fakes (the NVMe sysfs of <c>FakeSysfs</c>, the md helpers of
/// <c>FakeMdSysfs</c>, nvmet's <c>FakeConfigFs</c>) build their layouts with these helpers. Relative paths are
/// taken from the root; absolute ones are used as they are.
/// </summary>
internal class FakeKernelTree : IDisposable
{
    internal FakeKernelTree(string prefix = "nvmenative-kernel-")
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Paths = KernelPaths.UnderRoot(Root);
    }

    internal string Root { get; }

    internal KernelPaths Paths { get; }

    /// <summary>A path under the root (an absolute <paramref name="path"/> stays as it is).</summary>
    internal string At(string path) => Path.Combine(Root, path);

    /// <summary>Creates a file (and its directories) with exactly <paramref name="content"/>.</summary>
    internal string File(string path, string content)
    {
        string full = At(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Written aside and renamed into place: a reader (a monitor's look on another thread) never sees the attribute
        // empty or half written, which the kernel's attributes never are.
        string aside = full + ".writing-" + Guid.NewGuid().ToString("N");
        System.IO.File.WriteAllText(aside, content);
        System.IO.File.Move(aside, full, overwrite: true);
        return full;
    }

    /// <summary>Writes a sysfs-style attribute: the value and the trailing newline the kernel prints.</summary>
    internal string Write(string path, string value) => File(path, value + "\n");

    /// <summary>A directory holding the given attributes (created if missing).</summary>
    internal string Attributes(string dir, params (string Name, string Value)[] attributes)
    {
        string full = MakeDirectory(dir);
        foreach (var (name, value) in attributes)
            Write(Path.Combine(full, name), value);
        return full;
    }

    internal string MakeDirectory(string path) => Directory.CreateDirectory(At(path)).FullName;

    /// <summary>A symbolic link at <paramref name="path"/> to <paramref name="target"/> (kept verbatim, so relative as sysfs has them).</summary>
    internal string Link(string path, string target)
    {
        string full = At(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.File.CreateSymbolicLink(full, target);
        return full;
    }

    internal string Read(string path) => System.IO.File.ReadAllText(At(path));

    internal bool Exists(string path) => System.IO.File.Exists(At(path));

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
