namespace NvmeNative.Errors;

/// <summary>
/// A bounded wait ended before the kernel reached the awaited state. The message says what was awaited
/// and what was seen last, so the log alone explains the failure.
/// </summary>
public sealed class NvmeNativeTimeoutException : NvmeNativeException
{
    /// <summary>Creates a timeout failure.</summary>
    /// <param name="waitingFor">What was awaited, e.g. "namespace uuid 0a1b... under nvme0, nvme1".</param>
    /// <param name="lastObserved">What the last check saw, e.g. "nvme0 live, no namespace with that uuid".</param>
    /// <param name="timeout">How long the wait lasted.</param>
    /// <param name="path">The sysfs path involved, if one.</param>
    public NvmeNativeTimeoutException(string waitingFor, string lastObserved, TimeSpan timeout, string? path = null)
        : base($"timed out after {timeout.TotalSeconds:0.###} s waiting for {waitingFor}; last seen: {lastObserved}", "wait", path)
    {
        WaitingFor = waitingFor;
        LastObserved = lastObserved;
        Timeout = timeout;
    }

    /// <summary>What was awaited.</summary>
    public string WaitingFor { get; }

    /// <summary>What the last check of the kernel state saw.</summary>
    public string LastObserved { get; }

    /// <summary>The bound of the wait.</summary>
    public TimeSpan Timeout { get; }
}
