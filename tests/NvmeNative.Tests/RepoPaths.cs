namespace NvmeNative.Tests;

/// <summary>Locates the repository (for committed fixtures and native-headers/) from the test binary.</summary>
internal static class RepoPaths
{
    internal static string Root { get; } = FindRoot();

    internal static string NativeHeaders => Path.Combine(Root, "native-headers");

    internal static string Fixtures => Path.Combine(Root, "tests", "NvmeNative.Tests", "Fixtures");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NvmeNative.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"NvmeNative.sln not found above {AppContext.BaseDirectory}");
    }
}
