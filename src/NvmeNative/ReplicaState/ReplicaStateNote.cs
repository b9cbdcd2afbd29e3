namespace NvmeNative.ReplicaState;

/// <summary>
/// An audit entry kept with the record: an override used, an ownership taken over. For a person reading the
/// record after the fact, e.g. "allow_stale_start used by host X: started from replicas …".
/// </summary>
/// <param name="At">When.</param>
/// <param name="HostNqn">The host that did it.</param>
/// <param name="Kind">A short stable tag, e.g. <c>allow_stale_start</c> or <c>takeover</c>.</param>
/// <param name="Text">What happened, for a person.</param>
public sealed record ReplicaStateNote(DateTimeOffset At, string HostNqn, string Kind, string Text);
