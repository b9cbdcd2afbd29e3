using System.Diagnostics;
using NvmeNative.Monitoring;

namespace NvmeNative.Cli;

/// <summary>
/// <c>watch --on-event CMD</c>: runs the operator's program once per event, as <c>/bin/sh -c CMD</c>, with the
/// event's JSON (one line) on its standard input and the event's kind in <c>NVMENATIVE_EVENT</c> (like
/// <c>mdadm --monitor --program</c>). A non-zero exit or a run longer than <see cref="Timeout"/> is a failure, which
/// the monitor's dispatcher logs and retries; the program never runs on the monitor's own path.
/// </summary>
internal sealed class EventProgramHook(string command)
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal async Task RunAsync(ReplicaEvent e, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", command },
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["NVMENATIVE_EVENT"] = e.KindName;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start '{command}'");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            try
            {
                await process.StandardInput.WriteLineAsync(e.ToJson().AsMemory(), deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program did not read its input (it exited, or closed stdin): its exit status decides.
            }
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested)
                throw;
            throw new TimeoutException($"'{command}' ran longer than {Timeout.TotalSeconds:0} s for {e.KindName}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' exited {process.ExitCode} for {e.KindName}");
    }
}
