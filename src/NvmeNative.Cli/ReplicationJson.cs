using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.ReplicaState;

namespace NvmeNative.Cli;

/// <summary>
/// The keys a replicated attach adds beside os-brick's <c>type</c> and <c>path</c>: how the array came up, whether it
/// is degraded, which start rule allowed it, every replica left out with its reason (by the start rule, and by the
/// assembly), the replicas being resynced,
/// and a warning when the replica-state record could not be read or written.
/// </summary>
internal static class ReplicationJson
{
    internal static void Write(Utf8JsonWriter w, ReplicatedAttach replication)
    {
        w.WriteString("action", Snake(replication.Action.ToString()));
        w.WriteBoolean("degraded", replication.Degraded);
        if (replication.Array is { } array)
        {
            w.WriteString("md_device", array.Node);
            w.WriteString("md_uuid", array.Uuid.ToString());
        }
        if (replication.Start is { } start)
        {
            if (start.Rule is { } rule)
                w.WriteString("start_rule", Snake(rule.ToString()));
            w.WriteStartArray("left_out");
            foreach (var left in start.LeftOut)
            {
                w.WriteStartObject();
                w.WriteNumber("index", left.Index);
                w.WriteString("target_nqn", left.Replica.TargetNqn);
                w.WriteString("namespace", left.Replica.Namespace);
                w.WriteString("reason", Snake(left.Reason.ToString()));
                w.WriteString("detail", left.Detail);
                w.WriteBoolean("re_added", left.ReAdd);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (start.OverriddenRefusal is { } overridden)
                w.WriteString("overridden", overridden);
        }
        // Members the assembly itself set aside (metadata that fails its checks, another level or member count than the
        // freshest, ...): the start rule's left_out names replicas, this names the devices and md's reasons.
        if (replication.LeftOut.Count > 0)
        {
            w.WriteStartArray("assembly_left_out");
            foreach (var left in replication.LeftOut)
            {
                w.WriteStartObject();
                w.WriteString("member", left.Member);
                w.WriteString("reason", Snake(left.Reason.ToString()));
                w.WriteString("detail", left.Detail);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        var unattached = replication.Replicas.Where(r => r.Error is not null).ToList();
        if (unattached.Count > 0)
        {
            w.WriteStartArray("unreachable");
            foreach (var r in unattached)
            {
                w.WriteStartObject();
                w.WriteNumber("index", r.Index);
                w.WriteString("target_nqn", r.SubsystemNqn);
                w.WriteString("error", r.Error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        JsonOutput.WriteArray(w, "resyncing", replication.Healing);
        if (replication.RecordWarning is { } warning)
            w.WriteString("record_warning", warning);
    }

    /// <summary>PascalCase enum names as the snake_case the rest of the output uses (RecordSaysCurrent → record_says_current).</summary>
    private static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
