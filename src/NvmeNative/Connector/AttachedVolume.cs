using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>What <see cref="NvmeOfConnector.Connect"/> returns: os-brick's <c>{"type": "block", "path": ...}</c>, plus what was done.</summary>
/// <param name="Path">The block device to use: the multipath head <c>/dev/nvmeXnY</c>, or for a replicated volume the
/// md array's link <c>/dev/md/ALIAS</c>.</param>
/// <param name="CreatedControllers">Controllers this attach created (e.g. <c>nvme3</c>).</param>
/// <param name="ReusedControllers">Controllers that already existed and were reused.</param>
/// <param name="PathControllers">The controllers through which the device is reached when Connect returned
/// (one per live portal; fewer only when a path did not appear within the paths timeout).</param>
public sealed record AttachedVolume(string Path, IReadOnlyList<string> CreatedControllers, IReadOnlyList<string> ReusedControllers,
    IReadOnlyList<string> PathControllers)
{
    /// <summary>Always <c>block</c>, as os-brick reports it.</summary>
    public string Type => "block";

    /// <summary>For a replicated volume: its replicas and how its md array came up; null otherwise.</summary>
    public ReplicatedAttach? Replication { get; init; }
}

/// <summary>What <see cref="NvmeOfConnector.Disconnect"/> did.</summary>
/// <param name="Path">The device that was detached, or null when none was found (already gone).</param>
/// <param name="DeletedControllers">Controllers deleted because no other namespace was left on them.</param>
/// <param name="KeptControllers">Controllers of the target kept because they still expose other namespaces.</param>
/// <param name="Errors">Errors tolerated because of <c>force</c> or <c>ignoreErrors</c>.</param>
public sealed record DetachedVolume(string? Path, IReadOnlyList<string> DeletedControllers, IReadOnlyList<string> KeptControllers,
    IReadOnlyList<NvmeNativeException> Errors);
