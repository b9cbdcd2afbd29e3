using System.Diagnostics;
using System.Text.Json;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// The <c>nvmenative</c> command as a process, start-up included: the Native AOT binary that run.sh publishes
/// (<c>NVMENATIVE_BENCH_CLI</c>), or, when there is none, <c>dotnet NvmeNative.Cli.dll</c> (JIT start-up: far slower;
/// <see cref="Description"/> says which ran).
/// </summary>
internal sealed class NvmeNativeProcess
{
    private readonly string _file;
    private readonly string[] _prefix;

    private NvmeNativeProcess(string file, string[] prefix, string description)
    {
        _file = file;
        _prefix = prefix;
        Description = description;
    }

    public string Description { get; }

    public static NvmeNativeProcess Locate()
    {
        string root = RepoRoot();
        string? configured = Environment.GetEnvironmentVariable("NVMENATIVE_BENCH_CLI");
        string[] candidates = configured is { Length: > 0 } ? [configured] :
            [Path.Combine(root, "artifacts/nvmenative-aot/nvmenative"), Path.Combine(root, "artifacts/nvmenative-aot/NvmeNative.Cli")];
        foreach (string candidate in candidates)
        {
            if (candidate.EndsWith(".dll", StringComparison.Ordinal) && File.Exists(candidate))
                return new NvmeNativeProcess("dotnet", [candidate], $"dotnet {candidate} (JIT, not the AOT binary)");
            if (File.Exists(candidate))
                return new NvmeNativeProcess(candidate, [], $"{candidate} (Native AOT)");
        }
        string dll = Path.Combine(root, "src/NvmeNative.Cli/bin/Release/net10.0/NvmeNative.Cli.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException("neither the published nvmenative binary nor NvmeNative.Cli.dll was found", dll);
        return new NvmeNativeProcess("dotnet", [dll], $"dotnet {dll} (JIT: no AOT binary was published)");
    }

    /// <summary>Runs <c>nvmenative ARGS</c>; returns its stdout (one JSON value), or throws with its stderr.</summary>
    public JsonDocument Run(params string[] args) => JsonDocument.Parse(RunText(args));

    /// <summary>Runs <c>nvmenative ARGS</c>; returns its stdout, or throws with its stderr.</summary>
    public string RunText(params string[] args)
    {
        var psi = new ProcessStartInfo(_file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in _prefix.Concat(args))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {_file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"nvmenative {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result.Trim()}");
        return stdout;
    }

    /// <summary>The repository root: the benchmark runs from benchmarks/NvmeNative.Benchmarks/bin/Release/net10.0/.</summary>
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NvmeNative.sln")))
                return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
