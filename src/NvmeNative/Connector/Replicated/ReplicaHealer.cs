using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Connector;

/// <summary>
/// Puts left-out replicas back into a running array: a stale one (behind by events, or failed by the freshest,
/// e.g. its target was down while the array ran) is re-added so md copies only what the write-intent bitmap marks
/// (the kernel falls back to a full recovery when the bitmap cannot cover it); a blank one (a replica recreated
/// empty) is added as a new mirror and rebuilt completely. Any other reason (another array's superblock, a split
/// brain whose writes a re-add would discard) is left for a person. A failure here does not fail the attach: the
/// array is up and serving.
/// </summary>
internal sealed class ReplicaHealer(ConnectorContext context)
{
    /// <summary>Heals what the assembly left out; returns the replica devices put back (md resyncs them in the background).</summary>
    internal List<string> Heal(MdAssembleResult result)
    {
        var healing = new List<string>();
        var md = result.Array.Device;
        foreach (var left in result.LeftOut)
        {
            // Behind the freshest (by events, or failed by it while it ran on): the bitmap says what to copy back.
            bool stale = left.Reason is MdLeftOutReason.Stale or MdLeftOutReason.MarkedFaultyByFreshest;
            bool blank = left.Reason == MdLeftOutReason.NoSuperblock && ArrayBringUp.IsBlank(left.Member);
            if (!stale && !blank)
                continue;
            try
            {
                ConnectorLog.Healing(context.Log, md.Value, stale ? "re-adding" : "adding for a full rebuild", left.Member, left.Detail);
                if (stale)
                    context.Md.ReAddMember(md, left.Member);
                else
                    context.Md.AddMember(md, left.Member);
                healing.Add(left.Member);
            }
            catch (NvmeNativeException e)
            {
                ConnectorLog.HealFailed(context.Log, md.Value, left.Member, e.Message);
            }
        }
        return healing;
    }
}
