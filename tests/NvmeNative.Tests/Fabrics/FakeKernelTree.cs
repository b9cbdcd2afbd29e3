using NvmeNative.Kernel;

namespace NvmeNative.Tests.Fabrics;

/// <summary>A throwaway root with sys/, dev/, proc/, etc/ for <see cref="KernelPaths.UnderRoot"/>; deleted on dispose.</summary>
internal sealed class FakeKernelTree : IDisposable
{
    internal FakeKernelTree()
    {
        Root = Directory.CreateTempSubdirectory("nvmenative-fabrics-").FullName;
        Paths = KernelPaths.UnderRoot(Root);
    }

    internal string Root { get; }

    internal KernelPaths Paths { get; }

    /// <summary>Creates a file (and its directories) under the root.</summary>
    internal string File(string relative, string content)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    internal string Read(string relative) => System.IO.File.ReadAllText(Path.Combine(Root, relative));

    internal bool Exists(string relative) => System.IO.File.Exists(Path.Combine(Root, relative));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
