using Microsoft.Extensions.Logging;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;

namespace NvmeNative.Connector;

/// <summary>
/// The connector's side of the replica-state record (<see cref="IReplicaStateStore"/>): which record a volume has,
/// whether another host owns it, what the start rule sees, and what to write after an attach or a detach. A store
/// that cannot be reached is never a reason to fail a detach or to leave an attach half done: reads fall back to
/// "no record" (the start rule's stricter rule 2) and say so; writes that fail are logged and reported.
/// </summary>
internal sealed class VolumeRecordKeeper(ConnectorContext context)
{
    private IReplicaStateStore Store => context.ReplicaState;

    /// <summary>The record's key: the alias and every replica's identity, known before anything is connected.</summary>
    internal static VolumeKey KeyOf(ConnectionProperties properties) => VolumeKey.Create(properties.Alias, IdentitiesOf(properties));

    /// <summary>Each replica's identity, in <c>volume_replicas</c> order.</summary>
    internal static IReadOnlyList<ReplicaIdentity> IdentitiesOf(ConnectionProperties properties) =>
        properties.Targets.Select(t => ReplicaIdentity.From(t.SubsystemNqn, t.NamespaceUuid, t.Nguid, t.NamespaceId)).ToList();

    /// <summary>The volume's record, or null with why when there is none to go by (none yet, or the store is unreachable).</summary>
    internal async ValueTask<(ReplicaStateRecord? Record, string? Unavailable)> ReadAsync(VolumeKey key, bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.RecordRead, ct);
        span?.SetTag(Telemetry.Tags.Alias, key.Alias);
        try
        {
            var read = async ? await Store.ReadAsync(key, ct).ConfigureAwait(false) : Store.Read(key, ct);
            return (read?.Record, null);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
        catch (ReplicaStateUnavailableException e)
        {
            ConnectorLog.RecordUnavailable(context.Log, key.Alias, Store.Description, e.Message);
            return (null, $"the replica-state store {Store.Description} is unreachable ({e.Message}): started by the rules for a volume without a record");
        }
    }

    /// <summary>Refuses, before any change, an attach of a volume the record says another host holds (unless a takeover is asked for).</summary>
    internal void RequireOwnership(ReplicaStateRecord? record, Nqn host, bool allowTakeover)
    {
        if (record?.Owner is not { } owner || owner.HostNqn == host.Value)
            return;
        if (!allowTakeover)
        {
            Spans.Count(Telemetry.Refusals, Telemetry.Tags.Reason, "owned_elsewhere");
            throw new VolumeOwnedElsewhereException(record.Alias, owner, Store.Description);
        }
        ConnectorLog.TakingOver(context.Log, record.Alias, owner.HostNqn, owner.AttachedAt.ToString("u"));
    }

    /// <summary>What the start rule needs from each replica of the volume: reached or not, and its md superblock.</summary>
    internal List<ReplicaObservation> Observe(ConnectionProperties properties, IReadOnlyDictionary<int, string> devices, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.SuperblockRead, ct);
        var observations = new List<ReplicaObservation>();
        var identities = IdentitiesOf(properties);
        for (int i = 0; i < identities.Count; i++)
        {
            var identity = identities[i];
            if (!devices.TryGetValue(i, out var device))
            {
                observations.Add(new ReplicaObservation(i, identity, Reachable: false));
                continue;
            }
            ReplicaSuperblockFacts? facts = null;
            try
            {
                if (context.Md.Examine(device) is { } sb)
                    facts = new ReplicaSuperblockFacts(sb.ArrayUuid.ToString(), sb.Events, sb.DevNumber, sb.DevRoles);
            }
            catch (MdSuperblockException e)
            {
                // Metadata that fails its checks proves nothing: the replica is reached but can be neither a source nor blank.
                ConnectorLog.ReplicaUnreadable(context.Log, i, device, e.Message);
                observations.Add(new ReplicaObservation(i, identity, Reachable: true) { InvalidMetadata = e.LeftOutDetail });
                continue;
            }
            observations.Add(new ReplicaObservation(i, identity, Reachable: true, facts));
        }
        return observations;
    }

    /// <summary>
    /// Records what an attach brought up: the array, the event count it started from, each replica's state (a source
    /// in sync, a healed one rebuilding, any other failed as of the start), this host as the owner, and an override if
    /// one was used. Returns null when written, else why not (the volume is up either way).
    /// </summary>
    /// <param name="key">The volume's record key.</param>
    /// <param name="replicas">The replicas in <c>volume_replicas</c> order (the decision's indexes point into it).</param>
    /// <param name="host">This host's NQN (the owner from now on).</param>
    /// <param name="decision">The start rule's decision.</param>
    /// <param name="array">The running array, or null when none (a single replica used as its plain device).</param>
    /// <param name="healing">Indexes of replicas put back into the array (rebuilding).</param>
    /// <param name="async">Await the store (see <see cref="Kernel.AsyncMode"/>).</param>
    /// <param name="ct">Cancels the store's waits.</param>
    internal async ValueTask<string?> RecordAttachAsync(VolumeKey key, IReadOnlyList<ReplicaIdentity> replicas, Nqn host, StartDecision decision,
        MdArray? array, IReadOnlySet<int> healing, bool async, CancellationToken ct)
    {
        if (array is null)
            return null; // a single replica used without md: there is no array whose members could go stale
        var now = DateTimeOffset.UtcNow;
        string uuid = array.Uuid.ToString();
        ulong events = decision.Events ?? 0;
        return await WriteAsync(key, "record attach", current =>
        {
            var record = current is not null && current.ArrayUuid is { } known && known == ReplicaStateRecord.NormalizeArrayUuid(uuid)
                ? current
                : (current ?? ReplicaStateRecord.New(key, now)) with { KnownGoodEvents = 0 };
            record = record.WithArray(uuid, Math.Max(events, record.KnownGoodEvents), now);
            for (int i = 0; i < replicas.Count; i++)
            {
                var replica = replicas[i];
                var state = decision.Sources.Contains(i) ? ReplicaCondition.InSync
                    : healing.Contains(i) ? ReplicaCondition.Rebuilding
                    : ReplicaCondition.Failed;
                var old = record.EntryOf(replica);
                // A replica already failed keeps the event count it failed at: that is what proves it stale later.
                record = record.WithReplica(replica, state, now,
                    failedAtEvents: state == ReplicaCondition.Failed ? old?.FailedAtEvents ?? events : null);
            }
            record = record.WithOwner(new ReplicaOwner(host.Value, now), now);
            if (decision.OverriddenRefusal is { } overridden)
                record = record.WithNote(new ReplicaStateNote(now, host.Value, "allow_stale_start",
                    $"started from replicas {string.Join(", ", decision.Sources)} although: {overridden}"), now);
            return record;
        }, async, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a detach: the event count the array stopped at becomes the known-good point, replicas that were in sync
    /// stay so, the others are failed as of it, and the owner is cleared. Returns null when written, else why not.
    /// </summary>
    internal async ValueTask<string?> RecordDetachAsync(VolumeKey key, IReadOnlyList<ReplicaIdentity> replicas, Nqn? host, ulong? finalEvents,
        IReadOnlySet<int> inSync, bool async, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        return await WriteAsync(key, "record detach", current =>
        {
            if (current is null)
                return null; // attached before records existed, or by a host without this store: nothing to correct
            // Only the owner's detach releases the volume: a detach on a host that does not hold it changes nobody's claim.
            bool ours = current.Owner is null || current.Owner.HostNqn == host?.Value;
            if (!ours)
                return null;
            var record = current.WithOwner(null, now);
            if (finalEvents is not { } events)
                return record;
            record = record.WithArray(record.ArrayUuid ?? "", Math.Max(events, record.KnownGoodEvents), now);
            for (int i = 0; i < replicas.Count; i++)
            {
                var old = record.EntryOf(replicas[i]);
                record = inSync.Contains(i)
                    ? record.WithReplica(replicas[i], ReplicaCondition.InSync, now)
                    : record.WithReplica(replicas[i], ReplicaCondition.Failed, now,
                        failedAtEvents: old?.State == ReplicaCondition.Failed ? old.FailedAtEvents : events);
            }
            return record;
        }, async, ct).ConfigureAwait(false);
    }

    private async ValueTask<string?> WriteAsync(VolumeKey key, string what, Func<ReplicaStateRecord?, ReplicaStateRecord?> change, bool async,
        CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.RecordWrite, ct);
        span?.SetTag(Telemetry.Tags.Alias, key.Alias);
        try
        {
            await ReplicaStateUpdate.ApplyAsync(Store, key, change, ReplicaStateUpdate.DefaultMaxAttempts, async, ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
        catch (ReplicaStateException e)
        {
            ConnectorLog.RecordWriteFailed(context.Log, key.Alias, what, Store.Description, e.Message);
            return $"{what} in {Store.Description} failed: {e.Message}";
        }
    }

}
