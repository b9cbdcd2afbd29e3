namespace NvmeNative.ReplicaState;

/// <summary>A record as read from a store, with the version to pass to the next compare-and-swap.</summary>
/// <param name="Record">The record.</param>
/// <param name="Version">Its version in the store.</param>
public sealed record VersionedReplicaState(ReplicaStateRecord Record, ReplicaStateVersion Version);
