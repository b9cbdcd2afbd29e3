using System.Diagnostics;

namespace NvmeNative.KernelTests.Connector;

/// <summary>The nvmenative CLI (the solution's Release build) run as a process of its own, as operators and other hosts run it.</summary>
internal static class CliProcess
{
    internal static readonly string Cli = FindCli();

    internal static string FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string dll = Path.Combine(dir.FullName, "src", "NvmeNative.Cli", "bin", "Release", "net10.0", "NvmeNative.Cli.dll");
            if (File.Exists(dll))
                return dll;
        }
        return "NvmeNative.Cli.dll";
    }

    /// <summary>Starts <c>nvmenative ARGS</c> with <paramref name="stdin"/> as its standard input and extra environment variables.</summary>
    internal static Process Start(string stdin, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Cli);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            psi.Environment[name] = value;
        var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        return p;
    }

    internal static Process Start(string stdin, params string[] args) => Start(stdin, null, args);

    internal static (int Exit, string Out, string Err) Finish(Process p)
    {
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }
    }

    internal static (int Exit, string Out, string Err) Run(string stdin, params string[] args) => Finish(Start(stdin, args));

    internal static (int Exit, string Out, string Err) Run(string stdin, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Finish(Start(stdin, environment, args));
}
