using System.Diagnostics;

namespace NvmeNative.Tests.InteropTests;

/// <summary>Runs gcc on generated C (tests only: the library never starts processes).</summary>
internal static class Gcc
{
    internal static string? Path { get; } = Find();

    internal static (int ExitCode, string Errors) SyntaxCheck(string source)
    {
        string dir = Directory.CreateTempSubdirectory("nvmenative-hdr-").FullName;
        try
        {
            string file = System.IO.Path.Combine(dir, "layout_check.c");
            File.WriteAllText(file, source);
            var psi = new ProcessStartInfo(Path!, ["-std=gnu11", "-Wall", "-Werror", "-fsyntax-only", file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var gcc = Process.Start(psi)!;
            string stderr = gcc.StandardError.ReadToEnd();
            gcc.StandardOutput.ReadToEnd();
            gcc.WaitForExit();
            return (gcc.ExitCode, stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(d => System.IO.Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
}
