using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// The host's NVMe identity: host NQN and host ID, always used as a pair. Since Linux 6.5 the kernel refuses a
/// connect whose hostnqn is already registered with a different hostid (or the reverse), and without them it
/// uses a random identity that changes with every module load, so every connect sends both.
/// </summary>
/// <param name="HostNqn">The host NQN (<c>hostnqn=</c>), e.g. <c>nqn.2014-08.org.nvmexpress:uuid:&lt;uuid&gt;</c>.</param>
/// <param name="HostId">The host ID (<c>hostid=</c>).</param>
public sealed record HostIdentity(Nqn HostNqn, NvmeUuid HostId)
{
    /// <summary>The host NQN.</summary>
    public Nqn HostNqn { get; } = HostNqn ?? throw new ArgumentNullException(nameof(HostNqn));

    /// <summary>The identity nvme-cli derives from one UUID: <c>nqn.2014-08.org.nvmexpress:uuid:&lt;uuid&gt;</c> and the UUID itself.</summary>
    public static HostIdentity FromUuid(NvmeUuid uuid) => new(Nqn.FromUuid(uuid), uuid);

    /// <summary>False when the host NQN is UUID-based but names another UUID than the host ID (allowed, but usually a mistake).</summary>
    public bool IsConsistent => HostNqn.UuidPart is not NvmeUuid u || u == HostId;

    /// <inheritdoc/>
    public override string ToString() => $"hostnqn={HostNqn} hostid={HostId}";
}
