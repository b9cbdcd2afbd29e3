using System.Globalization;

namespace NvmeNative.ReplicaState;

/// <summary>
/// Decides whether a replicated volume may be started (assembled or adopted) and from which replicas, so that a
/// stale replica is never served. Pure: no I/O; the caller gathers the facts (<see cref="StartRuleInput"/>).
/// <list type="number">
/// <item>A record with an array uuid exists: start only from replicas it says are current (in sync, with at least
/// the recorded known-good event count). A replica the record marks failed, rebuilding or removed is never a
/// source, whatever its superblock says.</item>
/// <item>No record (or one without an array yet): start when the freshest present superblock proves every other
/// replica was failed while it went on (every active role in its role table is held by a present, fresh member:
/// <see cref="StartRuleKind.MissingMarkedFailed"/>), or when a strict majority of replica_count is present and agrees
/// (same array, events within 1: <see cref="StartRuleKind.Majority"/>). Otherwise refuse; so a 2-replica volume with
/// one replica unreachable and no record is refused. With no md metadata on any reachable replica a new array
/// may be created (<see cref="StartRuleKind.NewVolume"/>) when nothing says one exists and a strict majority is
/// reachable (the unreachable ones could hold the volume otherwise).</item>
/// <item>The override starts anyway (<see cref="StartRuleKind.Override"/>), from the freshest reachable replicas,
/// and says what it overrode.</item>
/// </list>
/// Split brain (a member ran without another that went on as far or further, so both hold writes the other lacks)
/// is refused under every rule unless overridden, naming both sides and their event counts. Among the sources,
/// members more than one event behind the freshest, or marked faulty by it, are left out to be re-added.
/// </summary>
public static class StartRule
{
    /// <summary>Evaluates the rule.</summary>
    /// <exception cref="ArgumentException">The input is inconsistent (replica_count below 1, an index listed twice).</exception>
    public static StartDecision Evaluate(StartRuleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(input.Replicas);
        if (input.ReplicaCount < 1)
            throw new ArgumentException($"replica_count is {input.ReplicaCount}", nameof(input));
        if (input.Replicas.Select(r => r.Index).Distinct().Count() != input.Replicas.Count)
            throw new ArgumentException("a replica index is listed twice", nameof(input));
        var decision = new Evaluation(input).Decide();
        return decision.Allowed || !input.Override ? decision : new Evaluation(input).Override(decision.Message);
    }

    private sealed class Evaluation(StartRuleInput input)
    {
        private readonly Dictionary<int, ReplicaLeftOut> _left = [];
        private readonly List<ReplicaObservation> _present = [];
        private readonly List<ReplicaObservation> _blank = [];
        private readonly int _n = input.ReplicaCount;
        private readonly string _store = input.StoreDescription ?? "the state store";
        private readonly ReplicaStateRecord? _record = input.Record;

        internal StartDecision Decide()
        {
            Classify();
            var record = _record?.ArrayUuid is null ? null : _record;
            if (_present.Count == 0)
                return WithoutMetadata(record);

            string uuid;
            if (record is not null)
            {
                uuid = record.ArrayUuid!;
            }
            else
            {
                var arrays = _present.GroupBy(Uuid).ToList();
                if (arrays.Count > 1)
                    return Refused($"no record of this volume in {_store}, and the reachable replicas carry {arrays.Count} different md arrays: " +
                        string.Join("; ", arrays.Select(g => $"{g.Key} on {Names(g)}")));
                uuid = arrays[0].Key;
            }

            var active = Members(uuid);
            if (active.Count == 0)
            {
                return record is not null
                    ? Refused($"the record in {_store} says the volume is md array {uuid} (known-good event {record.KnownGoodEvents}); no reachable replica is an active member of it")
                    : Refused($"no reachable replica is an active member of md array {uuid}");
            }
            if (SplitBrain(active) is { } split)
                return split;
            return record is not null ? ByRecord(record, uuid, active) : WithoutRecord(uuid, active);
        }

        /// <summary>Rule 3: the freshest reachable replicas, whatever the record and the majority say.</summary>
        internal StartDecision Override(string refusal)
        {
            Classify();
            if (_present.Count == 0)
            {
                if (_blank.Count == 0)
                    return Refused("no replica is reachable; there is nothing to start, even with the override");
                return Allowed(StartRuleKind.Override, null, _blank, null, refusal);
            }
            string? recorded = _record?.ArrayUuid;
            string uuid = recorded is not null && _present.Any(p => Uuid(p) == recorded)
                ? recorded
                : Uuid(_present.OrderByDescending(p => p.Superblock!.IsActive).ThenByDescending(p => p.Superblock!.Events).First());
            var active = Members(uuid);
            if (active.Count == 0)
                return Refused($"no reachable replica is an active member of md array {uuid}; there is nothing to start, even with the override");
            var freshest = Freshest(active);
            var rest = new List<ReplicaObservation>();
            foreach (var m in active)
            {
                if (m != freshest && RanWithout(m, freshest))
                    Leave(m, ReplicaLeftOutReason.SplitBrain, $"events {Sb(m).Events}: it ran without {freshest.Name} (events {Sb(freshest).Events}), " +
                        "which is the freshest; its own writes are left as they are", reAdd: false);
                else
                    rest.Add(m);
            }
            return Start(StartRuleKind.Override, uuid, rest, refusal);
        }

        private void Classify()
        {
            foreach (var r in input.Replicas.OrderBy(r => r.Index))
            {
                if (!r.Reachable)
                    Leave(r, ReplicaLeftOutReason.Unreachable, "not reachable" + RecordSays(r), reAdd: false);
                else if (r.InvalidMetadata is { } why)
                    Leave(r, ReplicaLeftOutReason.InvalidMetadata, why + RecordSays(r), reAdd: false);
                else if (r.Superblock is null)
                    _blank.Add(r);
                else
                    _present.Add(r);
            }
        }

        private StartDecision WithoutMetadata(ReplicaStateRecord? record)
        {
            if (record is not null)
            {
                foreach (var b in _blank)
                    Leave(b, ReplicaLeftOutReason.NoSuperblock, "no md superblock", reAdd: false);
                return Refused($"the record in {_store} says the volume is md array {record.ArrayUuid} (known-good event {record.KnownGoodEvents}), " +
                    "but no reachable replica carries md metadata");
            }
            if (_blank.Count == 0)
                return Refused("no replica is reachable");
            if (2 * _blank.Count > _n)
                return Allowed(StartRuleKind.NewVolume, null, _blank, null, null);
            return Refused($"no reachable replica carries md metadata and only {_blank.Count} of {_n} replicas are reachable " +
                $"(a new array needs a strict majority, {_n / 2 + 1}): the unreachable ones may hold the volume's data, and {_store} has no record of it");
        }

        // The active members of array uuid; the rest are left out here.
        private List<ReplicaObservation> Members(string uuid)
        {
            var active = new List<ReplicaObservation>();
            foreach (var p in _present)
            {
                var sb = Sb(p);
                if (Uuid(p) != uuid)
                    Leave(p, ReplicaLeftOutReason.OtherArray, $"its superblock is of md array {Uuid(p)}, not {uuid}", reAdd: false);
                else if (!sb.IsActive)
                    Leave(p, ReplicaLeftOutReason.NotActive, $"its superblock says {ReplicaSuperblockFacts.DescribeRole(sb.OwnRole)} (events {sb.Events})", reAdd: true);
                else
                    active.Add(p);
            }
            foreach (var b in _blank)
                Leave(b, ReplicaLeftOutReason.NoSuperblock, "no md superblock (blank or replaced)", reAdd: true);
            return active;
        }

        private StartDecision? SplitBrain(List<ReplicaObservation> active)
        {
            var pairs = new List<string>();
            var involved = new HashSet<ReplicaObservation>();
            foreach (var a in active)
            {
                foreach (var b in active)
                {
                    if (a == b || !RanWithout(a, b) || Sb(b).Events < Sb(a).Events)
                        continue;
                    pairs.Add($"{a.Name} at events {Sb(a).Events} records dev {Sb(b).DevNumber} as {ReplicaSuperblockFacts.DescribeRole(Sb(a).RoleOf(Sb(b).DevNumber))}, " +
                        $"while {b.Name} went on to events {Sb(b).Events}");
                    involved.Add(a);
                    involved.Add(b);
                }
            }
            if (pairs.Count == 0)
                return null;
            foreach (var m in involved)
                Leave(m, ReplicaLeftOutReason.SplitBrain, $"events {Sb(m).Events}; part of a split brain", reAdd: false);
            return Refused("split brain: the replicas ran without each other and both sides have writes the other lacks: " + string.Join("; ", pairs) +
                ". Choose the side to keep and start with the override");
        }

        private StartDecision ByRecord(ReplicaStateRecord record, string uuid, List<ReplicaObservation> active)
        {
            var current = new List<ReplicaObservation>();
            foreach (var m in active)
            {
                ulong events = Sb(m).Events;
                var entry = record.EntryOf(m.Replica);
                if (entry is null)
                    Leave(m, ReplicaLeftOutReason.NotInRecord, $"the record in {_store} does not list it", reAdd: false);
                else if (entry.State == ReplicaCondition.Failed)
                    Leave(m, ReplicaLeftOutReason.MarkedFailedInRecord, $"the record says {entry.Describe()}; its superblock has events {events}", reAdd: true);
                else if (entry.State == ReplicaCondition.Rebuilding)
                    Leave(m, ReplicaLeftOutReason.RebuildingInRecord, $"the record says {entry.Describe()}; its data is incomplete", reAdd: true);
                else if (entry.State == ReplicaCondition.Removed)
                    Leave(m, ReplicaLeftOutReason.RemovedInRecord, $"the record says {entry.Describe()}", reAdd: true);
                else if (events < record.KnownGoodEvents)
                    Leave(m, ReplicaLeftOutReason.BehindRecord, $"events {events}, below the known-good {record.KnownGoodEvents} in the record: it missed writes", reAdd: true);
                else
                    current.Add(m);
            }
            if (current.Count == 0)
            {
                var recordCurrent = record.Replicas.Where(e => e.State == ReplicaCondition.InSync).Select(e => NameOf(e.Replica)).ToList();
                return Refused($"no reachable replica is current according to the record in {_store} (md array {uuid}, known-good event {record.KnownGoodEvents}); " +
                    (recordCurrent.Count == 0 ? "it lists no replica in sync" : "it says current: " + string.Join(", ", recordCurrent)));
            }
            return Start(StartRuleKind.RecordSaysCurrent, uuid, current, null);
        }

        private StartDecision WithoutRecord(string uuid, List<ReplicaObservation> active)
        {
            var freshest = Freshest(active);
            var fresh = Fresh(freshest, active);
            var unheld = new List<int>();
            for (int dev = 0; dev < Sb(freshest).DevRoles.Count; dev++)
            {
                if (Sb(freshest).DevRoles[dev] < ReplicaSuperblockFacts.RoleMax && !fresh.Any(f => Sb(f).DevNumber == dev))
                    unheld.Add(dev);
            }
            if (fresh.Count >= _n)
                return Start(StartRuleKind.Majority, uuid, fresh, null);
            if (unheld.Count == 0)
                return Start(StartRuleKind.MissingMarkedFailed, uuid, fresh, null);
            if (2 * fresh.Count > _n)
                return Start(StartRuleKind.Majority, uuid, fresh, null);
            return Refused($"{_store} has no record of this volume, and the reachable replicas do not prove they are current: " +
                $"{fresh.Count} of {_n} replicas are present and agree (md array {uuid}, events {Sb(freshest).Events}: {Names(fresh)}; a strict majority needs {_n / 2 + 1}), " +
                $"and the freshest superblock ({freshest.Name}) still counts dev {string.Join(", ", unheld)} as active, " +
                "which no reachable fresh replica holds: the missing replicas may have gone on without these");
        }

        // The sources among candidates: the freshest and those within one event of it that it does not mark failed.
        private StartDecision Start(StartRuleKind rule, string uuid, List<ReplicaObservation> candidates, string? overridden)
        {
            var freshest = Freshest(candidates);
            return Allowed(rule, uuid, Fresh(freshest, candidates), Sb(freshest).Events, overridden);
        }

        private List<ReplicaObservation> Fresh(ReplicaObservation freshest, List<ReplicaObservation> candidates)
        {
            var sources = new List<ReplicaObservation> { freshest };
            ulong top = Sb(freshest).Events;
            foreach (var m in candidates.Where(c => c != freshest).OrderByDescending(c => Sb(c).Events).ThenBy(c => c.Index))
            {
                var sb = Sb(m);
                string events = $"events {sb.Events}, the freshest ({freshest.Name}) has {top}";
                ushort seen = Sb(freshest).RoleOf(sb.DevNumber);
                if (sb.Events + 1 < top)
                    Leave(m, ReplicaLeftOutReason.Stale, events, reAdd: true);
                else if (seen >= ReplicaSuperblockFacts.RoleMax)
                    Leave(m, ReplicaLeftOutReason.MarkedFaultyByFreshest, $"the freshest superblock records dev {sb.DevNumber} as {ReplicaSuperblockFacts.DescribeRole(seen)}; {events}", reAdd: true);
                else if (sources.FirstOrDefault(s => Sb(s).DevNumber == sb.DevNumber) is { } holder)
                    Leave(m, ReplicaLeftOutReason.DuplicateSlot, $"dev {sb.DevNumber} is already filled by {holder.Name}", reAdd: false);
                else
                    sources.Add(m);
            }
            return sources;
        }

        private StartDecision Allowed(StartRuleKind rule, string? uuid, List<ReplicaObservation> sources, ulong? events, string? overridden)
        {
            var ordered = sources.OrderBy(s => s.Index).ToList();
            var left = LeftOut();
            string start = rule == StartRuleKind.NewVolume || (rule == StartRuleKind.Override && uuid is null)
                ? $"create a new md array on {Names(ordered)}"
                : $"start md array {uuid} from {Names(ordered)} (events {events})";
            string message = $"{start} by rule {rule}" +
                (ordered.Count < _n ? $", degraded ({ordered.Count} of {_n})" : "") +
                (left.Count == 0 ? "" : "; left out: " + string.Join("; ", left)) +
                (overridden is null ? "" : "; overriding the refusal: " + overridden);
            return new StartDecision
            {
                Allowed = true,
                Rule = rule,
                Sources = ordered.Select(s => s.Index).ToList(),
                LeftOut = left,
                ArrayUuid = uuid,
                Events = events,
                Degraded = ordered.Count < _n,
                OverriddenRefusal = overridden,
                Message = message,
            };
        }

        private StartDecision Refused(string why)
        {
            var left = LeftOut();
            return new StartDecision
            {
                Allowed = false,
                LeftOut = left,
                Message = "refused to start the replicated volume: " + why + (left.Count == 0 ? "" : "; left out: " + string.Join("; ", left)),
            };
        }

        private List<ReplicaLeftOut> LeftOut() => _left.Values.OrderBy(l => l.Index).ToList();

        private void Leave(ReplicaObservation r, ReplicaLeftOutReason reason, string detail, bool reAdd) =>
            _left[r.Index] = new ReplicaLeftOut(r.Index, r.Replica, reason, detail, reAdd);

        private string RecordSays(ReplicaObservation r) =>
            _record?.EntryOf(r.Replica) is { } entry ? "; the record says " + entry.Describe() : "";

        private string NameOf(ReplicaIdentity replica) =>
            input.Replicas.FirstOrDefault(r => r.Replica == replica)?.Name ?? replica.ToString();

        private static ReplicaObservation Freshest(List<ReplicaObservation> members) =>
            members.OrderByDescending(m => Sb(m).Events).ThenBy(m => m.Index).First();

        // a's superblock does not count b as an active member: a went on without b.
        private static bool RanWithout(ReplicaObservation a, ReplicaObservation b) =>
            Sb(a).RoleOf(Sb(b).DevNumber) >= ReplicaSuperblockFacts.RoleMax;

        private static ReplicaSuperblockFacts Sb(ReplicaObservation r) => r.Superblock!;

        private static string Uuid(ReplicaObservation r) => ReplicaStateRecord.NormalizeArrayUuid(Sb(r).ArrayUuid);

        private static string Names(IEnumerable<ReplicaObservation> replicas) =>
            "replica " + string.Join(", ", replicas.Select(r => r.Index.ToString(CultureInfo.InvariantCulture)));
    }
}
