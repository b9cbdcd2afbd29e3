using System.Diagnostics;

namespace NvmeNative.KernelTests;

/// <summary>
/// Runs command-line tools as independent oracles (mdadm --detail, nvme list-subsys) and for test set-up
/// (losetup). Tests only: the library itself never starts a process.
/// </summary>
internal static class Tools
{
    internal sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result Check(string what) =>
            ExitCode == 0 ? this : throw new InvalidOperationException($"{what} exited {ExitCode}: {Stderr}{Stdout}");
    }

    internal static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
            .Append("/usr/sbin").Append("/sbin")
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    internal static Result Run(string name, params string[] args)
    {
        string exe = Find(name) ?? throw new InvalidOperationException($"{name} not found on PATH");
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new Result(p.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Runs and throws on a non-zero exit, returning stdout.</summary>
    internal static string Check(string name, params string[] args) =>
        Run(name, args).Check($"{name} {string.Join(' ', args)}").Stdout;
}
