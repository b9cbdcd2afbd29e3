using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Operations;

/// <summary>The bookkeeping side of stop (what it removes when the array is gone), on a fake tree.</summary>
public sealed class MdStopperTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static readonly MdDeviceName Md127 = MdDeviceName.Parse("md127");

    [Fact]
    public void Stopping_a_gone_array_succeeds_and_removes_its_leftover_link_and_map_entry()
    {
        var uuid = MdUuid.NewRandom();
        var paths = _tree.MdPaths;
        new MdLinks(paths).Create(MdArrayName.Parse("vol1"), Md127);
        new MdMapFile(paths).Update(new MdMapEntry(Md127, "1.2", uuid, "/dev/md/vol1"));
        Assert.False(new MdArrays(_tree.Paths).Stop(Md127, uuid, TestContext.Current.CancellationToken));
        Assert.Null(new MdLinks(paths).Target(MdArrayName.Parse("vol1")));
        Assert.Empty(new MdMapFile(paths).Read());
    }

    [Fact]
    public void A_device_name_now_used_by_another_array_is_left_alone()
    {
        var ours = MdUuid.NewRandom();
        var theirs = MdUuid.NewRandom();
        _tree.Md("md127", ("array_state", "clean"), ("uuid", theirs.ToKernelString()));
        var paths = _tree.MdPaths;
        new MdLinks(paths).Create(MdArrayName.Parse("theirs"), Md127);
        new MdMapFile(paths).Update(new MdMapEntry(Md127, "1.2", theirs, "/dev/md/theirs"));
        Assert.False(new MdArrays(_tree.Paths).Stop(Md127, ours, TestContext.Current.CancellationToken));
        Assert.Equal(Md127, new MdLinks(paths).Target(MdArrayName.Parse("theirs")));
        Assert.Single(new MdMapFile(paths).Read());
    }
}
