using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;

namespace NvmeNative.Connector;

/// <summary>
/// Decides how a replicated volume's md RAID1 array comes up over its attached replica devices, and brings it up:
/// adopted when the host already runs it; assembled when a replica carries md metadata (degraded if replicas are
/// missing, then healed); created only when no replica carries md metadata and every replica of
/// <c>replica_count</c> is here and blank (a new volume). A single-replica volume without md metadata is used as
/// its plain device (os-brick's <c>_handle_single_replica</c>). The array it starts is journaled (stop it).
/// </summary>
internal sealed class ArrayBringUp(ConnectorContext context)
{
    /// <summary>How much of a replica must read as zeroes before an array is made over it: where partition tables,
    /// LVM labels and every common file system keep their signatures.</summary>
    internal const int BlankCheckBytes = 1 << 20;

    internal ReplicatedAttach BringUp(MdArrayName? name, int replicaCount, List<string> devices, List<ReplicaLeg> replicas,
        UndoJournal journal, CancellationToken ct)
    {
        var arrays = context.Md;
        bool anyMetadata = devices.Any(arrays.CarriesMetadata);

        if (!anyMetadata && replicaCount == 1)
            return new ReplicatedAttach(MdAttachAction.None, null, false, replicas, [], []);

        if (!anyMetadata)
        {
            // A new volume: its mirrors must all be here, or the array would start out with a mirror missing and
            // the absent replica would later be mistaken for a stale copy of data it never had.
            if (devices.Count < replicaCount)
                throw new NvmeNativeException(
                    $"cannot create the md array {name}: {devices.Count} of its {replicaCount} replicas were attached and none carries md metadata " +
                    "(a new replicated volume needs every replica)", ReplicatedVolume.AttachOperation);
            // Creating writes a superblock and bitmap at 4 KiB and moves the data start: a replica with data but no md
            // metadata (a file system, a partition table) would be lost. A new volume reads as zeroes.
            foreach (var device in devices)
                RequireBlank(device);
            var created = arrays.Create(new MdCreateRequest(name!.Value, devices), ct);
            journal.Push($"stopped {created.Device}", () => arrays.Stop(created));
            return new ReplicatedAttach(MdAttachAction.Created, created, false, replicas, [], []);
        }

        var result = arrays.Assemble(new MdAssembleRequest(devices) { Name = name, AllowDegraded = true }, ct);
        if (!result.Adopted)
            journal.Push($"stopped {result.Array.Device}", () => arrays.Stop(result.Array));
        var healing = context.Options.HealReplicas ? new ReplicaHealer(context).Heal(result) : [];
        return new ReplicatedAttach(result.Adopted ? MdAttachAction.Adopted : MdAttachAction.Assembled, result.Array,
            result.Degraded || result.Array.Members.Count < replicaCount, replicas, result.LeftOut, healing);
    }

    /// <summary>True when the device's first <see cref="BlankCheckBytes"/> are all zeroes.</summary>
    internal static bool IsBlank(string device) => BlockDevices.StartsWithZeroes(device, BlankCheckBytes);

    private static void RequireBlank(string device)
    {
        if (!IsBlank(device))
            throw new NvmeNativeException(
                $"{device} holds data but no md metadata: making it a mirror of a new array would destroy that data. " +
                "If this replica is meant to be empty, wipe it on its backend (or with blkdiscard) and attach again",
                ReplicatedVolume.AttachOperation, device);
    }
}
