namespace NvmeNative.Kernel;

/// <summary>What one <see cref="IUeventSource.Receive"/> returned.</summary>
internal enum UeventReceiptKind
{
    /// <summary>A kernel event arrived (<see cref="UeventReceipt.Message"/>).</summary>
    Event,

    /// <summary>The socket overflowed and events were lost: whatever was awaited may have happened.</summary>
    Overflow,

    /// <summary>Nothing arrived before the timeout.</summary>
    TimedOut,
}

/// <summary>One result of waiting for a uevent.</summary>
internal readonly record struct UeventReceipt(UeventReceiptKind Kind, UeventMessage? Message)
{
    internal static UeventReceipt TimedOut => new(UeventReceiptKind.TimedOut, null);

    internal static UeventReceipt Overflow => new(UeventReceiptKind.Overflow, null);

    internal static UeventReceipt Of(UeventMessage message) => new(UeventReceiptKind.Event, message);
}

/// <summary>
/// A stream of kernel uevents. The real one is <see cref="UeventListener"/>; unit tests use an in-memory
/// source. A source only reports events that happen after it was opened, which is why waiters open it
/// before they look at the current state.
/// </summary>
internal interface IUeventSource : IDisposable
{
    /// <summary>
    /// Blocks up to <paramref name="timeout"/> (zero: do not block) for the next event. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    UeventReceipt Receive(TimeSpan timeout, CancellationToken ct);

    /// <summary>As <see cref="Receive"/>, awaited: no thread is blocked while nothing arrives.</summary>
    ValueTask<UeventReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken ct);
}
