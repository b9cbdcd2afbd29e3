using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Connector;

/// <summary>
/// Puts replicas back into a running array: a stale one (behind by events, or failed by the freshest, e.g. its
/// target was down while the array ran) is re-added so md copies only what the write-intent bitmap marks (the
/// kernel falls back to a full recovery when the bitmap cannot cover it); a blank one (a replica recreated empty) is
/// added as a new mirror and rebuilt completely. Any other reason (another array's superblock, a split brain whose
/// writes a re-add would discard) is left for a person. A failure here does not fail the attach: the array is up and
/// serving.
/// </summary>
internal sealed class ReplicaHealer(ConnectorContext context)
{
    /// <summary>
    /// Heals what the assembly left out, and the replicas the start rule kept out of the start but found fit to come
    /// back (<paramref name="startRuleReAdds"/>: stale or blank); returns the replica devices put back (md resyncs them
    /// in the background).
    /// </summary>
    internal List<string> Heal(MdAssembleResult result, IEnumerable<string> startRuleReAdds, CancellationToken ct)
    {
        var md = result.Array.Device;
        var candidates = new List<(string Member, bool Stale, string Detail)>();
        foreach (var left in result.LeftOut)
        {
            // Behind the freshest (by events, or failed by it while it ran on): the bitmap says what to copy back.
            bool stale = left.Reason is MdLeftOutReason.Stale or MdLeftOutReason.MarkedFaultyByFreshest;
            if (stale || (left.Reason == MdLeftOutReason.NoSuperblock && ArrayBringUp.IsBlank(left.Member)))
                candidates.Add((left.Member, stale, left.Detail));
        }
        foreach (var member in startRuleReAdds.Where(m => candidates.All(c => c.Member != m)))
        {
            if (context.Md.HolderOf(member) is not null)
                continue; // already a member (an adopted array that has it)
            MdMemberExamination? sb;
            try
            {
                sb = context.Md.Examine(member);
            }
            catch (MdSuperblockException e)
            {
                // Metadata that fails its checks is never overwritten by a heal: that is for a person to decide.
                ConnectorLog.HealFailed(context.Log, md.Value, member, e.Message);
                continue;
            }
            if (sb is not null && sb.ArrayUuid == result.Array.Uuid)
                candidates.Add((member, true, $"behind the array at events {sb.Events}"));
            else if (sb is null && ArrayBringUp.IsBlank(member))
                candidates.Add((member, false, "blank"));
        }

        var healing = new List<string>();
        if (candidates.Count == 0)
            return healing;
        using var span = Spans.StartPhase(Telemetry.Activities.Heal, ct);
        span?.SetTag(Telemetry.Tags.MdDevice, md.Value);
        foreach (var (member, stale, detail) in candidates)
        {
            try
            {
                ConnectorLog.Healing(context.Log, md.Value, stale ? "re-adding" : "adding for a full rebuild", member, detail);
                if (stale)
                    context.Md.ReAddMember(md, member);
                else
                    context.Md.AddMember(md, member);
                healing.Add(member);
                Spans.Count(Telemetry.ReAdds, Telemetry.Tags.Kind, stale ? "re-add" : "add");
            }
            catch (NvmeNativeException e)
            {
                ConnectorLog.HealFailed(context.Log, md.Value, member, e.Message);
            }
        }
        return healing;
    }
}
