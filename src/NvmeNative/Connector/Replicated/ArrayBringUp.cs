using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.ReplicaState;

namespace NvmeNative.Connector;

/// <summary>
/// Decides how a replicated volume's md RAID1 array comes up over its attached replica devices, and brings it up.
/// The start rule (<see cref="StartRule"/>) decides first, from the replica-state record and the replicas'
/// superblocks, whether the replicas reached can be trusted and which are the sources; then the array is created
/// (a new volume: every replica here and blank), or assembled from exactly those sources (adopted when the host
/// already runs it), and the stale or blank replicas are put back. A single-replica volume without md metadata is
/// used as its plain device (os-brick's <c>_handle_single_replica</c>). The array it starts is journaled (stop it).
/// </summary>
internal sealed class ArrayBringUp(ConnectorContext context)
{
    /// <summary>How much of a replica must read as zeroes before an array is made over it: where partition tables,
    /// LVM labels and every common file system keep their signatures.</summary>
    internal const int BlankCheckBytes = 1 << 20;

    /// <param name="properties">The volume.</param>
    /// <param name="name">The array's name (from <c>alias</c>).</param>
    /// <param name="record">The volume's replica-state record, or null when there is none to go by.</param>
    /// <param name="devices">The attached replicas' devices by their index in <c>volume_replicas</c>.</param>
    /// <param name="replicas">Every replica, attached or not.</param>
    /// <param name="journal">Where the array's start is journaled.</param>
    /// <param name="ct">Cancels md's waits.</param>
    /// <param name="async">Await md's waits (see <see cref="Kernel.AsyncMode"/>).</param>
    internal async ValueTask<ReplicatedAttach> BringUpAsync(ConnectionProperties properties, MdArrayName? name, ReplicaStateRecord? record,
        IReadOnlyDictionary<int, string> devices, List<ReplicaLeg> replicas, UndoJournal journal, bool async, CancellationToken ct)
    {
        var arrays = context.Md;
        var attached = devices.OrderBy(d => d.Key).Select(d => d.Value).ToList();
        bool anyMetadata = attached.Any(arrays.CarriesMetadata);
        if (!anyMetadata && properties.ReplicaCount == 1)
            return new ReplicatedAttach(MdAttachAction.None, null, false, replicas, [], []);

        var decision = Decide(properties, name, record, devices, ct);
        if (decision.Rule == StartRuleKind.NewVolume || (decision.Rule == StartRuleKind.Override && decision.ArrayUuid is null))
            return Create(properties, name, attached, anyMetadata, replicas, journal, ct) with { Start = decision };

        var sources = decision.Sources.Select(i => devices[i]).ToList();
        // The array the rule decided on: a source that claims another one is left out rather than assembled.
        MdUuid? arrayUuid = decision.ArrayUuid is { } decided && MdUuid.TryParse(decided, out var parsed) ? parsed : null;
        var result = await arrays.AssembleAsync(new MdAssembleRequest(sources) { Name = name, AllowDegraded = true, Uuid = arrayUuid }, async, ct).ConfigureAwait(false);
        if (!result.Adopted)
            journal.PushGate($"stopped {result.Array.Device}", () => arrays.Stop(result.Array));
        var healing = context.Options.HealReplicas
            ? new ReplicaHealer(context).Heal(result, decision.ReAdd.Where(devices.ContainsKey).Select(i => devices[i]), ct)
            : [];
        return new ReplicatedAttach(result.Adopted ? MdAttachAction.Adopted : MdAttachAction.Assembled, result.Array,
            result.Degraded || result.Array.Members.Count < properties.ReplicaCount, replicas, result.LeftOut, healing)
        {
            Start = decision,
        };
    }

    /// <summary>The start rule over what the replicas show; a refusal is thrown (the attach rolls back), an override logged.</summary>
    private StartDecision Decide(ConnectionProperties properties, MdArrayName? name, ReplicaStateRecord? record, IReadOnlyDictionary<int, string> devices,
        CancellationToken ct)
    {
        string alias = name?.Value ?? "(no alias)";
        StartDecision decision;
        using (var span = Spans.StartPhase(Telemetry.Activities.StartRule, ct))
        {
            try
            {
                var observations = new VolumeRecordKeeper(context).Observe(properties, devices, ct);
                decision = StartRule.Evaluate(new StartRuleInput(properties.ReplicaCount, record, observations, properties.AllowStaleStart,
                    context.ReplicaState.Description));
            }
            catch (Exception e) when (span.Failed(e))
            {
                throw;
            }
        }
        foreach (var left in decision.LeftOut)
            ConnectorLog.ReplicaLeftOut(context.Log, alias, left.Index, left.Replica.ToString(), left.Reason.ToString(), left.Detail);
        if (!decision.Allowed)
        {
            Spans.Count(Telemetry.Refusals, Telemetry.Tags.Reason, "start_rule");
            throw new ReplicaStartRefusedException(decision, name?.Value);
        }
        if (decision.OverriddenRefusal is { } overridden)
            ConnectorLog.StaleStartOverridden(context.Log, alias, overridden);
        return decision;
    }

    /// <summary>A new volume's array over every replica, each of which must be blank.</summary>
    private ReplicatedAttach Create(ConnectionProperties properties, MdArrayName? name, List<string> devices, bool anyMetadata,
        List<ReplicaLeg> replicas, UndoJournal journal, CancellationToken ct)
    {
        // A new volume: its mirrors must all be here, or the array would start out with a mirror missing and
        // the absent replica would later be mistaken for a stale copy of data it never had.
        if (devices.Count < properties.ReplicaCount)
            throw new NvmeNativeException(
                $"cannot create the md array {name}: {devices.Count} of its {properties.ReplicaCount} replicas were attached and none carries md metadata " +
                "(a new replicated volume needs every replica)", ReplicatedVolume.AttachOperation);
        if (anyMetadata)
            throw new NvmeNativeException(
                $"cannot create the md array {name}: a replica carries md metadata that is not a v1.2 superblock NvmeNative can read; " +
                "examine the replicas (mdadm --examine) before wiping any", ReplicatedVolume.AttachOperation);
        // Creating writes a superblock and bitmap at 4 KiB and moves the data start: a replica with data but no md
        // metadata (a file system, a partition table) would be lost. A new volume reads as zeroes.
        using (var check = Spans.StartPhase(Telemetry.Activities.BlankCheck, ct))
        {
            try
            {
                RequireAllBlank(devices);
            }
            catch (Exception e) when (check.Failed(e))
            {
                throw;
            }
        }
        var created = context.Md.Create(new MdCreateRequest(name!.Value, devices), ct);
        journal.PushGate($"stopped {created.Device}", () => context.Md.Stop(created));
        return new ReplicatedAttach(MdAttachAction.Created, created, false, replicas, [], []);
    }

    /// <summary>True when the device's first <see cref="BlankCheckBytes"/> are all zeroes.</summary>
    internal static bool IsBlank(string device) => BlockDevices.StartsWithZeroes(device, BlankCheckBytes);

    /// <summary>
    /// Every replica's first MiB read at once: each read is a round trip to the replica's own target, so they overlap.
    /// A failure is reported for the first device in order that failed, whatever finished first.
    /// </summary>
    private static void RequireAllBlank(IReadOnlyList<string> devices)
    {
        if (devices.Count == 1)
        {
            RequireBlank(devices[0]);
            return;
        }
        var failures = new Exception?[devices.Count];
        Parallel.For(0, devices.Count, i =>
        {
            try
            {
                RequireBlank(devices[i]);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        });
        if (failures.FirstOrDefault(f => f is not null) is { } first)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    private static void RequireBlank(string device)
    {
        if (!IsBlank(device))
            throw new NvmeNativeException(
                $"{device} holds data but no md metadata: making it a mirror of a new array would destroy that data. " +
                "If this replica is meant to be empty, wipe it on its backend (or with blkdiscard) and attach again",
                ReplicatedVolume.AttachOperation, device);
    }
}
