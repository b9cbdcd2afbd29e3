using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdDeviceAllocatorTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Minors_are_tried_in_mdadms_order()
    {
        var order = MdDeviceAllocator.CandidateMinors().ToList();
        Assert.Equal([127, 126], order.Take(2));
        Assert.Equal(0, order[127]);
        Assert.Equal(511, order[128]);
        Assert.Equal(129, order[^1]);
        Assert.DoesNotContain(128, order);
        Assert.Equal(order.Count, order.Distinct().Count());
    }

    [Fact]
    public void Devices_in_mdstat_or_sysfs_are_skipped_and_the_choice_is_written_to_new_array()
    {
        _tree.LoadMdMod();
        _tree.MdStat("Personalities : [raid1]\nmd127 : active raid1 loop1[1] loop0[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n\nunused devices: <none>");
        _tree.Md("md126", ("array_state", "clear")); // allocated by someone, not configured yet
        var name = new MdDeviceAllocator(_tree.MdPaths).Allocate();
        Assert.Equal("md125", name.Value);
        Assert.Equal("md125", File.ReadAllText(Path.Combine(_tree.Paths.Sys, "module/md_mod/parameters/new_array")));
    }

    [Fact]
    public void Without_md_mod_allocation_fails_with_ENOENT()
    {
        var e = Assert.Throws<MdException>(() => new MdDeviceAllocator(_tree.MdPaths).Allocate());
        Assert.Equal(NvmeNative.Errors.Errno.ENOENT, e.Errno);
    }

    [Fact]
    public void Mdstat_names_are_the_first_word_of_array_lines() =>
        Assert.Equal(["md127", "md_data"], MdDeviceAllocator.NamesInMdStat("Personalities : [raid1]\nmd127 : active raid1 a[0]\n      x\nmd_data : inactive b[0](S)\nunused devices: <none>\n"));
}
