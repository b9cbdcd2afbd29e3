using System.Diagnostics;

namespace NvmeNative.Benchmarks.OsBrick;

/// <summary>
/// Runs a command the way os-brick's <c>processutils.execute</c> does (a child with piped output, waited
/// for, a non-zero exit is an error). This is the baseline being measured: only the benchmarks launch
/// processes, never the library.
/// </summary>
internal static class CliProcess
{
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stdout.Trim()} {stderr.Result.Trim()}");
        return stdout;
    }
}
