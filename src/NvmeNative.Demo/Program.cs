using System.Diagnostics;
using System.Net;
using NvmeNative.Connector;
using NvmeNative.Target;

// A volume exported by a local nvmet target on two portals (127.0.0.1 and 127.0.0.2), attached the way a
// compute node's agent would: from os-brick connection_properties, with native multipath.
using var target = new NvmetTarget();
var uuid = Guid.NewGuid();
var export = target.CreateFileExport(64 << 20, new NamespaceOptions { Uuid = uuid }, label: "demo");
var second = target.CreateTcpPort(IPAddress.Parse("127.0.0.2"));
second.Link(export.Subsystem);
Console.WriteLine($"target: {export.Subsystem.Nqn}, namespace uuid {uuid}, portals {export.Port.TrAddr}:{export.Port.TrSvcId} and {second.TrAddr}:{second.TrSvcId}");

string json = $$"""
    {"target_nqn": "{{export.Subsystem.Nqn}}", "vol_uuid": "{{uuid}}",
     "portals": [["{{export.Port.TrAddr}}", {{export.Port.TrSvcId}}, "tcp"], ["{{second.TrAddr}}", {{second.TrSvcId}}, "tcp"]]}
    """;
Console.WriteLine($"connection_properties: {json.Trim()}");
var props = ConnectionProperties.Parse(json);
var connector = new NvmeOfConnector();

var clock = Stopwatch.StartNew();
var volume = connector.Connect(props);
Console.WriteLine($"attached in {clock.Elapsed.TotalMilliseconds:F0} ms: {{\"type\": \"{volume.Type}\", \"path\": \"{volume.Path}\"}} (controllers {string.Join(", ", volume.CreatedControllers)})");

var head = connector.Topology.Snapshot().Subsystems.Single(s => s.Nqn == export.Subsystem.Nqn);
foreach (var c in head.Controllers)
    Console.WriteLine($"  controller {c.Name}: {c.TransportName} {c.Address?.Raw} {c.StateName}");
foreach (var n in head.Namespaces)
    Console.WriteLine($"  namespace {n.DevicePath}: nsid {n.Nsid.Value}, uuid {n.Uuid}, paths {string.Join(", ", n.Paths.Select(p => $"{p.Name} ({p.AnaStateName})"))}");

byte[] written = new byte[4096];
Random.Shared.NextBytes(written);
using (var device = new FileStream(volume.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.WriteThrough))
{
    device.Write(written);
    device.Flush(true);
}
byte[] read = new byte[4096];
using (var device = new FileStream(volume.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
    device.ReadExactly(read);
Console.WriteLine(written.AsSpan().SequenceEqual(read) ? "wrote 4 KiB and read it back identically" : "DATA MISMATCH");

clock.Restart();
var detached = connector.Disconnect(props);
Console.WriteLine($"detached in {clock.Elapsed.TotalMilliseconds:F0} ms: deleted {string.Join(", ", detached.DeletedControllers)}");
return written.AsSpan().SequenceEqual(read) && detached.DeletedControllers.Count == 2 ? 0 : 1;
