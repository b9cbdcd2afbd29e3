using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// An in-memory event source for wait tests. Each scripted step runs its action (the "kernel" changing
/// sysfs) and then delivers its receipt; once the script is exhausted, Receive blocks like a quiet socket
/// until its timeout or cancellation.
/// </summary>
internal sealed class FakeUeventSource : IUeventSource
{
    private readonly Queue<(Action? Change, UeventReceipt Receipt)> _steps = new();

    internal int Receives { get; private set; }

    internal bool Disposed { get; private set; }

    internal FakeUeventSource Then(UeventReceipt receipt, Action? change = null)
    {
        _steps.Enqueue((change, receipt));
        return this;
    }

    internal FakeUeventSource ThenEvent(string action, string devPath, string subsystem, Action? change = null) =>
        Then(UeventReceipt.Of(Uevent(action, devPath, subsystem)), change);

    /// <summary>An event carrying the kernel's sequence number <paramref name="seqnum"/> (SEQNUM).</summary>
    internal FakeUeventSource ThenNumberedEvent(ulong seqnum, string action, string devPath, string subsystem, Action? change = null) =>
        Then(UeventReceipt.Of(Uevent(seqnum, action, devPath, subsystem)), change);

    internal static UeventMessage Uevent(string action, string devPath, string subsystem, params string[] extra) =>
        Uevent(1, action, devPath, subsystem, extra);

    private static UeventMessage Uevent(ulong seqnum, string action, string devPath, string subsystem, params string[] extra)
    {
        var text = $"{action}@{devPath}\0ACTION={action}\0DEVPATH={devPath}\0SUBSYSTEM={subsystem}\0SEQNUM={seqnum}\0"
            + string.Concat(extra.Select(e => e + "\0"));
        return UeventMessage.Parse(System.Text.Encoding.UTF8.GetBytes(text))!;
    }

    public UeventReceipt Receive(TimeSpan timeout, CancellationToken ct)
    {
        Receives++;
        ct.ThrowIfCancellationRequested();
        if (_steps.TryDequeue(out var step))
        {
            step.Change?.Invoke();
            return step.Receipt;
        }
        if (timeout != TimeSpan.Zero)
        {
            ct.WaitHandle.WaitOne(timeout);
            ct.ThrowIfCancellationRequested();
        }
        return UeventReceipt.TimedOut;
    }

    /// <summary>As <see cref="Receive"/>, except that a quiet wait is awaited (Task.Delay) rather than blocking.</summary>
    public async ValueTask<UeventReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken ct)
    {
        AsyncReceives++;
        if (_steps.Count > 0 || timeout == TimeSpan.Zero)
            return Receive(timeout, ct);
        Receives++;
        await Task.Delay(timeout, ct);
        return UeventReceipt.TimedOut;
    }

    internal int AsyncReceives { get; private set; }

    public void Dispose() => Disposed = true;
}
