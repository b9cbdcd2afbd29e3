using System.Runtime.InteropServices;

namespace NvmeNative.Cli;

/// <summary>
/// SIGINT and SIGTERM as a cancellation: the first signal cancels <see cref="Token"/> instead of killing the process,
/// so the running operation stops at its next wait and rolls back what it did; the process then exits with the
/// shell's code for that signal (<see cref="ExitCode"/>). Later signals are absorbed too: a rollback in progress
/// is not cut short (each of its steps has its own deadline).
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _lock = new();
    private PosixSignal? _signal;

    internal CancellationToken Token => _cancel.Token;

    /// <summary>The first signal received, if any.</summary>
    internal PosixSignal? Signal
    {
        get
        {
            lock (_lock)
                return _signal;
        }
    }

    /// <summary>128 + the signal's number, as a shell reports a process ended by it: 130 for SIGINT, 143 for SIGTERM.</summary>
    internal int ExitCode => Signal switch
    {
        PosixSignal.SIGINT => 128 + 2,
        PosixSignal.SIGTERM => 128 + 15,
        _ => CliApp.Failed,
    };

    internal string SignalName => Signal is { } s ? s.ToString() : "request";

    /// <summary>Handles SIGINT and SIGTERM from now until disposed.</summary>
    internal static SignalCancellation Listen()
    {
        var signals = new SignalCancellation();
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signals.OnSignal));
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signals.OnSignal));
        return signals;
    }

    /// <summary>Acts as if <paramref name="signal"/> had been received (the handlers call it; so can a test).</summary>
    internal void Raise(PosixSignal signal)
    {
        lock (_lock)
            _signal ??= signal;
        _cancel.Cancel();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Raise(context.Signal);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _cancel.Dispose();
    }
}
