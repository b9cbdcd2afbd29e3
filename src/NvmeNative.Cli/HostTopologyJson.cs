using System.Text.Json;
using NvmeNative.Topology;

namespace NvmeNative.Cli;

/// <summary>Renders a <see cref="HostTopology"/> for <c>list</c>: JSON for programs, indented lines for people.</summary>
internal static class HostTopologyJson
{
    internal static void Write(Utf8JsonWriter w, HostTopology host)
    {
        w.WriteStartObject();
        w.WriteStartArray("subsystems");
        foreach (var s in host.Subsystems)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("nqn", s.Nqn);
            w.WriteString("iopolicy", s.IoPolicy);
            w.WriteStartArray("controllers");
            foreach (var c in s.Controllers)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("transport", c.TransportName);
                w.WriteString("address", c.Address?.Raw);
                w.WriteString("state", c.StateName);
                w.WriteString("hostnqn", c.HostNqn);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("namespaces");
            foreach (var n in s.Namespaces)
            {
                w.WriteStartObject();
                w.WriteString("name", n.Name);
                w.WriteString("device", n.DevicePath);
                w.WriteNumber("nsid", n.Nsid.Value);
                w.WriteString("uuid", n.Uuid?.ToString());
                w.WriteString("nguid", n.Nguid?.ToString());
                if (n.SizeBytes is long size)
                    w.WriteNumber("size", size);
                JsonOutput.WriteArray(w, "paths", n.Paths.Select(p => p.AnaStateName is null ? p.Name : $"{p.Name} ({p.AnaStateName})"));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static IEnumerable<string> Describe(HostTopology host)
    {
        if (host.Subsystems.Count == 0)
            yield return "no NVMe subsystems";
        foreach (var s in host.Subsystems)
        {
            yield return $"{s.Name} {s.Nqn}";
            foreach (var c in s.Controllers)
                yield return $"  {c.Name} {c.TransportName} {c.Address?.Raw} {c.StateName}";
            foreach (var n in s.Namespaces)
                yield return $"  {n.DevicePath} nsid {n.Nsid.Value} uuid {n.Uuid?.ToString() ?? "-"} paths {string.Join(",", n.Paths.Select(p => p.Name))}";
        }
    }
}
