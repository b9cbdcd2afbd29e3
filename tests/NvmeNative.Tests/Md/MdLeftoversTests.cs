using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>
/// <see cref="MdArrays.RemoveLeftoversOf"/>: what a stop killed after STOP_ARRAY leaves of a named array (its
/// /dev/md/NAME link, its map entry) goes; what belongs to an array that still runs stays.
/// </summary>
public sealed class MdLeftoversTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static readonly MdArrayName Name = MdArrayName.Parse("vol1");
    private static readonly MdUuid Ours = MdUuid.Parse("50e97eaa384073d395728740c1f82a0e");
    private static readonly MdUuid Other = MdUuid.Parse("0123456789abcdef0123456789abcdef");

    private MdArrays Arrays => new(_tree.Paths);

    private MdMapFile Map => new(_tree.MdPaths);

    private string LinkPath => _tree.MdPaths.Link(Name);

    private void Running(string md, MdUuid uuid) => _tree.Md(md, ("array_state", "clean"), ("uuid", uuid.ToString()));

    private void Publish(string md, MdUuid uuid, MdArrayName? name)
    {
        Map.Update(new MdMapEntry(MdDeviceName.Parse(md), "1.2", uuid, name is { } n ? _tree.MdPaths.Link(n) : ""));
        if (name is { } linkName)
            new MdLinks(_tree.MdPaths).Create(linkName, MdDeviceName.Parse(md));
    }

    [Fact]
    public void A_stopped_arrays_link_and_map_entry_go_when_its_device_is_gone()
    {
        Publish("md126", Ours, Name);
        Publish("md127", Other, MdArrayName.Parse("other"));
        Running("md127", Other);

        Assert.True(Arrays.RemoveLeftoversOf(Name));
        Assert.Null(Arrays.LinkTarget(Name));
        Assert.Equal([MdDeviceName.Parse("md127")], Map.Read().Select(e => e.Device));
        Assert.Equal(MdDeviceName.Parse("md127"), Arrays.LinkTarget(MdArrayName.Parse("other")));
        Assert.False(Arrays.RemoveLeftoversOf(Name)); // nothing left to remove
    }

    [Fact]
    public void A_stopped_array_md_has_not_deleted_yet_counts_as_gone()
    {
        // After STOP_ARRAY md deletes the device asynchronously: its md/ directory stays a moment, cleared.
        Publish("md126", Ours, Name);
        _tree.Md("md126", ("array_state", "clear"), ("uuid", "00000000-0000-0000-0000-000000000000"));

        Assert.True(Arrays.RemoveLeftoversOf(Name));
        Assert.Null(Arrays.LinkTarget(Name));
        Assert.Empty(Map.Read());
    }

    [Fact]
    public void The_map_entry_goes_even_when_the_killed_stop_had_already_removed_the_link()
    {
        Publish("md126", Ours, Name);
        File.Delete(LinkPath);

        Assert.True(Arrays.RemoveLeftoversOf(Name));
        Assert.Empty(Map.Read());
    }

    [Fact]
    public void A_running_arrays_link_and_entry_stay_and_an_assembly_in_progress_is_not_taken_for_gone()
    {
        Publish("md126", Ours, Name);
        Running("md126", Ours);
        Assert.False(Arrays.RemoveLeftoversOf(Name));

        // Members being added, not started: the uuid reads zero but the array is inactive, not cleared.
        _tree.Md("md126", ("array_state", "inactive"), ("uuid", "00000000-0000-0000-0000-000000000000"));
        Assert.False(Arrays.RemoveLeftoversOf(Name));
        Assert.Equal(MdDeviceName.Parse("md126"), Arrays.LinkTarget(Name));
        Assert.Single(Map.Read());
    }

    [Fact]
    public void An_entry_for_the_name_whose_md_number_now_runs_another_array_goes_but_that_arrays_own_entry_stays()
    {
        Publish("md125", Ours, Name); // left by a crash; md125 was reused since
        Running("md125", Other);
        Publish("md126", Other, MdArrayName.Parse("other"));
        Running("md126", Other);

        Assert.True(Arrays.RemoveLeftoversOf(Name));
        Assert.Equal([MdDeviceName.Parse("md126")], Map.Read().Select(e => e.Device));
    }
}
