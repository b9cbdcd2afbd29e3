using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>
/// The replica-state record says another host holds the replicated volume attached: attaching it here too would
/// have two hosts write one array (these volumes are never multi-attached). Nothing was changed. Detach it on that
/// host first, or, when that host is gone (crashed, fenced), ask for a takeover (<c>allow_takeover</c>, the CLI's
/// <c>--takeover</c>).
/// </summary>
public sealed class VolumeOwnedElsewhereException : NvmeNativeException
{
    internal VolumeOwnedElsewhereException(string alias, ReplicaOwner owner, string store)
        : base($"the replicated volume {alias} is attached on host {owner.HostNqn} since {owner.AttachedAt:u} (record in {store}); " +
            "detach it there first, or request a takeover (allow_takeover) if that host no longer uses it", "connect replicated volume")
    {
        Owner = owner;
    }

    /// <summary>The host the record names and since when it holds the volume.</summary>
    public ReplicaOwner Owner { get; }
}
