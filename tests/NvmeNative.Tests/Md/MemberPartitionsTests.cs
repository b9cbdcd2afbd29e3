using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>Holders and partitions of a would-be member, read from a fake /sys/dev/block tree.</summary>
public sealed class MemberPartitionsTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    private string Device() => Path.Combine(_tree.Paths.Sys, "dev/block/7:3");

    private void Partition(string name, int number, long start, long size, params string[] holders)
    {
        string dir = Path.Combine(Device(), name);
        _tree.Write(Path.Combine(dir, "partition"), number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _tree.Write(Path.Combine(dir, "start"), start.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _tree.Write(Path.Combine(dir, "size"), size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(dir, "holders"));
        foreach (string holder in holders)
            Directory.CreateDirectory(Path.Combine(dir, "holders", holder));
    }

    private IReadOnlyList<MemberPartition> Check(bool delete) =>
        MemberPartitions.Check(_tree.MdPaths, "/dev/loop3", 7, 3, delete, "create", "DeletePartitions");

    [Fact]
    public void A_plain_device_passes_with_nothing_to_delete()
    {
        Directory.CreateDirectory(Path.Combine(Device(), "holders"));
        _tree.Write(Path.Combine(Device(), "queue", "logical_block_size"), "512"); // a directory that is not a partition
        Assert.Empty(Check(delete: false));
    }

    [Fact]
    public void A_device_with_a_holder_is_refused_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(Device(), "holders", "md127"));
        var e = Assert.Throws<InvalidInputException>(() => Check(delete: true));
        Assert.Contains("held by md127", e.Message);
        Assert.Equal((Errno.EBUSY, "/dev/loop3"), (e.Errno, e.Path));
    }

    [Fact]
    public void Partitions_are_refused_unless_deleting_them_was_asked_for()
    {
        Partition("loop3p1", 1, 2048, 4096);
        Partition("loop3p2", 2, 6144, 2048);
        var e = Assert.Throws<InvalidInputException>(() => Check(delete: false));
        Assert.Contains("loop3p1, loop3p2", e.Message);
        Assert.Contains("or set DeletePartitions", e.Message);
        Assert.Null(e.Errno);
        Assert.DoesNotContain("DeletePartitions",
            Assert.Throws<InvalidInputException>(() => MemberPartitions.Check(_tree.MdPaths, "/dev/loop3", 7, 3, false, "add member", null)).Message);

        var toDelete = Check(delete: true);
        Assert.Equal([new MemberPartition("loop3p1", 1, 2048, 4096, null), new MemberPartition("loop3p2", 2, 6144, 2048, null)], toDelete);
    }

    [Fact]
    public void A_partition_in_use_is_refused_even_when_deleting_was_asked_for()
    {
        Partition("loop3p1", 1, 2048, 4096);
        Partition("loop3p2", 2, 6144, 2048, "dm-0");
        var e = Assert.Throws<InvalidInputException>(() => Check(delete: true));
        Assert.Contains("loop3p2 is in use: held by dm-0", e.Message);
        Assert.Equal(Errno.EBUSY, e.Errno);
    }

    public void Dispose() => _tree.Dispose();
}
