using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>
/// Decides which members to assemble, with mdadm's rules (Assemble.c load_devices/start_array) and the kernel's
/// (md.c analyze_sbs/super_1_validate), before anything is changed:
/// <list type="number">
/// <item>Members whose metadata cannot be used (<see cref="MdLeftOutReason.InvalidMetadata"/>: it broke a kernel rule or a
/// bound when read, or claims a level other than RAID1 next to RAID1 members) are left out, and named in any refusal.</item>
/// <item>A member whose raid_disks differs from the freshest's is left out as <see cref="MdLeftOutReason.InvalidMetadata"/>.</item>
/// <item>Members of other arrays are left out; without an expected uuid, members of more than one array are an error.</item>
/// <item>The freshest member is the one with the highest event count among those whose own superblock says they are active.</item>
/// <item>A member is fresh enough when its events are at most one behind the freshest (mdadm's and the kernel's margin:
/// a crash between the superblock writes to two members leaves them one apart). Older ones are <see cref="MdLeftOutReason.Stale"/>:
/// the kernel would kick them anyway ("kicking non-fresh"), and a write-intent-bitmap re-add brings them back cheaply later.</item>
/// <item>A member that the freshest records as faulty or spare is left out even when one event behind: the kernel takes its
/// role from the freshest and would fail it.</item>
/// <item>A member that records the freshest as failed has diverged from it (split brain); mdadm ignores it without --force.</item>
/// <item>Two members claiming one slot: the fresher one is used.</item>
/// <item>Fewer members than slots: started only when the caller allows a degraded start.</item>
/// </list>
/// </summary>
internal static class AssemblePlanner
{
    /// <param name="superblocks">The members whose superblocks were read.</param>
    /// <param name="withoutSuperblock">The members without an md superblock.</param>
    /// <param name="expectedUuid">The array to assemble, when known.</param>
    /// <param name="allowDegraded">Start with fewer members than slots.</param>
    /// <param name="unusable">Members already left out (their metadata could not be used), named in a refusal.</param>
    internal static AssemblePlan Plan(IReadOnlyList<MemberSuperblock> superblocks, IReadOnlyList<string> withoutSuperblock,
        MdUuid? expectedUuid, bool allowDegraded, IReadOnlyList<MdLeftOutMember>? unusable = null)
    {
        var leftOut = (unusable ?? []).Concat(withoutSuperblock
            .Select(m => new MdLeftOutMember(m, MdLeftOutReason.NoSuperblock, "no md v1.2 superblock at 4 KiB"))).ToList();

        var uuids = superblocks.Select(s => s.Uuid).Distinct().ToList();
        MdUuid uuid;
        if (expectedUuid is { } expected)
            uuid = expected;
        else if (uuids.Count == 1)
            uuid = uuids[0];
        else if (uuids.Count == 0)
            throw new MdAssembleRefusedException("no member carries an md superblock", leftOut);
        else
            throw new InvalidInputException(
                $"the members belong to {uuids.Count} different arrays ({string.Join(", ", uuids)}); name the array uuid to assemble",
                "assemble", "members");

        var group = new List<MemberSuperblock>();
        var otherLevel = new List<MemberSuperblock>();
        foreach (var sb in superblocks)
        {
            if (sb.Uuid != uuid)
                leftOut.Add(new MdLeftOutMember(sb.Member, MdLeftOutReason.OtherArray, $"array {sb.Uuid}, not {uuid}"));
            else if (sb.Level != 1)
                otherLevel.Add(sb);
            else
                group.Add(sb);
        }
        // A member of this array that claims another level cannot be a RAID1 mirror: left out when RAID1 members are
        // there (a forged or corrupt superblock), the whole array refused when none is.
        if (group.Count == 0 && otherLevel.Count > 0)
            throw new InvalidInputException($"array {uuid} is level {otherLevel[0].Level}; only RAID1 is supported", "assemble", "members", otherLevel[0].Member);
        foreach (var sb in otherLevel)
            leftOut.Add(new MdLeftOutMember(sb.Member, MdLeftOutReason.InvalidMetadata, $"its superblock says level {sb.Level}, the array's other members RAID1"));

        var freshest = group.Where(s => s.IsActive).OrderByDescending(s => s.Events).FirstOrDefault();
        if (freshest is null)
        {
            foreach (var sb in group)
                leftOut.Add(new MdLeftOutMember(sb.Member, MdLeftOutReason.NotActive, $"its superblock says {MemberSuperblock.DescribeRole(sb.OwnRole)}"));
            throw new MdAssembleRefusedException($"no active member of array {uuid} was found", leftOut);
        }

        var bySlot = new Dictionary<ushort, MemberSuperblock> { [freshest.OwnRole] = freshest };
        foreach (var sb in group.Where(s => !ReferenceEquals(s, freshest)).OrderByDescending(s => s.Events))
        {
            string events = $"events {sb.Events}, freshest {freshest.Member} has {freshest.Events}";
            MdLeftOutMember? reason = null;
            if (!sb.IsActive)
                reason = new(sb.Member, MdLeftOutReason.NotActive, $"its superblock says {MemberSuperblock.DescribeRole(sb.OwnRole)}");
            // Checked before staleness: a member that ran without the freshest (a split brain: each side ran alone and
            // both moved on) is also behind by events, but its writes are its own; re-adding it would discard them.
            else if (sb.RoleOf(freshest.DevNumber) >= MemberSuperblock.RoleMax)
                reason = new(sb.Member, MdLeftOutReason.ReportsFreshestFailed,
                    $"it records {freshest.Member} (dev {freshest.DevNumber}) as {MemberSuperblock.DescribeRole(sb.RoleOf(freshest.DevNumber))}; {events}");
            else if (sb.Events + 1 < freshest.Events)
                reason = new(sb.Member, MdLeftOutReason.Stale, events);
            // md writes raid_disks to every member at once; a fresh one that disagrees with the freshest was not written by it
            // (mdadm aborts such an assembly; here the member is left out and the others go on).
            else if (sb.RaidDisks != freshest.RaidDisks)
                reason = new(sb.Member, MdLeftOutReason.InvalidMetadata,
                    $"its superblock says raid_disks {sb.RaidDisks}, the freshest ({freshest.Member}) {freshest.RaidDisks}; {events}");
            else if (freshest.RoleOf(sb.DevNumber) is var seen && seen >= MemberSuperblock.RoleMax)
                reason = new(sb.Member, MdLeftOutReason.MarkedFaultyByFreshest,
                    $"the freshest superblock records dev {sb.DevNumber} as {MemberSuperblock.DescribeRole(seen)}; {events}");
            else if (bySlot.TryGetValue(sb.OwnRole, out var holder) || bySlot.Values.Any(h => h.DevNumber == sb.DevNumber))
                reason = new(sb.Member, MdLeftOutReason.DuplicateSlot,
                    $"{MemberSuperblock.DescribeRole(sb.OwnRole)} (dev {sb.DevNumber}) is already filled by {(holder ?? bySlot.Values.First(h => h.DevNumber == sb.DevNumber)).Member}");
            if (reason is not null)
                leftOut.Add(reason);
            else
                bySlot[sb.OwnRole] = sb;
        }

        var included = bySlot.Values.Where(s => !ReferenceEquals(s, freshest)).OrderBy(s => s.OwnRole).Append(freshest).ToList();
        var plan = new AssemblePlan(uuid, freshest.SetName, freshest.RaidDisks, freshest, included, leftOut);
        if (plan.IsDegraded && !allowDegraded)
            throw new MdAssembleRefusedException(
                $"only {included.Count} of {plan.RaidDisks} mirrors of array {uuid} are usable and the policy does not allow a degraded start",
                leftOut);
        return plan;
    }
}
