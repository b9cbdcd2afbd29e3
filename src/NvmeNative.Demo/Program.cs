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
bool singleOk = written.AsSpan().SequenceEqual(read) && detached.DeletedControllers.Count == 2;

// A replicated volume: two replicas on two targets, mirrored on this host by an md RAID1 built with ioctls.
var replicaA = target.CreateFileExport(64 << 20, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "demo-replica-a");
var replicaB = target.CreateFileExport(64 << 20, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "demo-replica-b");
string alias = "demo-" + Guid.NewGuid().ToString("N")[..8];
static string Replica(NvmetExport e) =>
    $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{e.Namespace.Uuid}}", "portals": [["{{e.Port.TrAddr}}", {{e.Port.TrSvcId}}, "tcp"]]}""";
string replicatedJson = $$"""{"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{alias}}", "replica_count": 2, "volume_replicas": [{{Replica(replicaA)}}, {{Replica(replicaB)}}]}""";
Console.WriteLine($"replicated connection_properties: {replicatedJson}");
var replicated = ConnectionProperties.Parse(replicatedJson);

clock.Restart();
var mirrored = connector.Connect(replicated);
var md = mirrored.Replication!;
Console.WriteLine($"attached in {clock.Elapsed.TotalMilliseconds:F0} ms: {{\"type\": \"{mirrored.Type}\", \"path\": \"{mirrored.Path}\"}} " +
    $"({md.Action} {md.Array?.Device} over {string.Join(" and ", md.Replicas.Select(r => r.Device))})");
using (var device = new FileStream(mirrored.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.WriteThrough))
{
    device.Write(written);
    device.Flush(true);
}
connector.Disconnect(replicated);
clock.Restart();
var again = connector.Connect(replicated);
Console.WriteLine($"detached, then attached again in {clock.Elapsed.TotalMilliseconds:F0} ms: {again.Replication!.Action} {again.Replication.Array?.Device}");
using (var device = new FileStream(again.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
    device.ReadExactly(read);
bool mirroredOk = written.AsSpan().SequenceEqual(read);
Console.WriteLine(mirroredOk ? "the data written before the detach reads back identically" : "DATA MISMATCH");
var replicatedDetached = connector.Disconnect(replicated);
Console.WriteLine($"detached: stopped the array, deleted {string.Join(", ", replicatedDetached.DeletedControllers)}");
bool storyOk = await new ReplicaStory(target).RunAsync();
return singleOk && mirroredOk && replicatedDetached.DeletedControllers.Count == 2 && storyOk ? 0 : 1;
