using System.Runtime.InteropServices;

namespace NvmeNative.Cli;

/// <summary>
/// SIGINT and SIGTERM as a cancellation: the first signal cancels the token <see cref="Listen"/> returns instead of
/// killing the process, so the running operation stops at its next wait and rolls back what it did; the process then
/// exits with the shell's code for that signal (<see cref="ExitCode"/>). Later signals are absorbed too: a rollback in progress
/// is not cut short (each of its steps has its own deadline).
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _lock = new();
    private readonly bool _handleSignals;
    private PosixSignal? _signal;

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

    /// <param name="handleSignals">
    /// Whether <see cref="Listen"/> takes over SIGINT and SIGTERM (the process's entry point); without it only
    /// <see cref="Raise"/> cancels (a test).
    /// </param>
    internal SignalCancellation(bool handleSignals = false) => _handleSignals = handleSignals;

    /// <summary>
    /// Handles SIGINT and SIGTERM from now until disposed, and returns the token they cancel. Called once the
    /// arguments are parsed and a command is about to run, not at start: registering costs every start some page
    /// faults (the runtime's signal handling), which <c>--help</c>, <c>--version</c> and a usage error do not need
    /// (before this, a signal ends the process as usual, and nothing has been changed yet).
    /// </summary>
    internal CancellationToken Listen()
    {
        if (_handleSignals && _registrations.Count == 0)
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        }
        return _cancel.Token;
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
