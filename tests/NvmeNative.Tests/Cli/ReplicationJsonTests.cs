using System.Text.Json;
using NvmeNative.Cli;
using NvmeNative.Connector;
using NvmeNative.Md;

namespace NvmeNative.Tests.Cli;

/// <summary>A replicated attach's JSON: the members the assembly left out are printed beside os-brick's keys, which stay as they were.</summary>
public sealed class ReplicationJsonTests
{
    private static JsonElement Print(ReplicatedAttach replication)
    {
        var stdout = new StringWriter();
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "block");
            w.WriteString("path", "/dev/md/vol");
            ReplicationJson.Write(w, replication);
            w.WriteEndObject();
        });
        return JsonDocument.Parse(stdout.ToString()).RootElement;
    }

    [Fact]
    public void Members_the_assembly_left_out_are_printed_with_their_reasons()
    {
        var json = Print(new ReplicatedAttach(MdAttachAction.Assembled, null, Degraded: true,
            [new ReplicaLeg(0, "nqn.a", "/dev/nvme0n1", null), new ReplicaLeg(1, "nqn.b", "/dev/nvme1n1", null)],
            [new MdLeftOutMember("/dev/nvme1n1", MdLeftOutReason.InvalidMetadata, "sb_csum is 0x1 but the superblock sums to 0x2")],
            []));

        var left = Assert.Single(json.GetProperty("assembly_left_out").EnumerateArray());
        Assert.Equal("/dev/nvme1n1", left.GetProperty("member").GetString());
        Assert.Equal("invalid_metadata", left.GetProperty("reason").GetString());
        Assert.Equal("sb_csum is 0x1 but the superblock sums to 0x2", left.GetProperty("detail").GetString());
        Assert.Equal("block", json.GetProperty("type").GetString());
        Assert.Equal("/dev/md/vol", json.GetProperty("path").GetString());
        Assert.Equal("assembled", json.GetProperty("action").GetString());
        Assert.True(json.GetProperty("degraded").GetBoolean());
    }

    [Fact]
    public void Without_members_left_out_by_the_assembly_there_is_no_such_key()
    {
        var json = Print(new ReplicatedAttach(MdAttachAction.Assembled, null, Degraded: false,
            [new ReplicaLeg(0, "nqn.a", "/dev/nvme0n1", null)], [], []));
        Assert.False(json.TryGetProperty("assembly_left_out", out _));
    }
}
