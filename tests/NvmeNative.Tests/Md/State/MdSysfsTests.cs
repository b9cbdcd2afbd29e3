using NvmeNative.Md;

namespace NvmeNative.Tests.Md.State;

public sealed class MdSysfsTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void A_degraded_array_recovering_a_member_reads_as_such()
    {
        _tree.Md("md127", ("array_state", "clean"), ("level", "raid1"), ("raid_disks", "2"), ("degraded", "1"),
            ("sync_action", "recover"), ("sync_completed", "1024 / 2048"), ("component_size", "1047552"),
            ("uuid", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"));
        _tree.Member("md127", "loop0", "7:0", "in_sync,failfast", "0");
        _tree.Member("md127", "loop1", "7:1", "spare,failfast", "none");
        var state = MdSysfs.TryRead(_tree.MdPaths, MdDeviceName.Parse("md127"))!;
        Assert.True(state.IsRunning);
        Assert.False(state.IsInSync);
        Assert.Equal((MdRunState.Clean, 2, 1, MdSyncAction.Recover, 1047552L), (state.RunState, state.RaidDisks, state.Degraded, state.SyncAction, state.ComponentSizeKiB));
        Assert.Equal(MdUuid.Parse("0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9"), MdUuid.Parse(state.Uuid!));
        var active = state.Members.Single(m => m.KernelName == "loop0");
        Assert.Equal((7u, 0u, (int?)0, MdMemberFlags.InSync | MdMemberFlags.FailFast), (active.Major, active.Minor, active.Slot, active.Flags));
        var rebuilding = state.Members.Single(m => m.KernelName == "loop1");
        Assert.Null(rebuilding.Slot);
        Assert.False(rebuilding.IsActive);
    }

    [Fact]
    public void An_array_in_sync_reads_as_in_sync()
    {
        _tree.Md("md5", ("array_state", "active-idle"), ("level", "raid1"), ("raid_disks", "2"), ("degraded", "0"), ("sync_action", "idle"));
        _tree.Member("md5", "nvme1n1", "259:3", "in_sync", "1");
        _tree.Member("md5", "nvme2n1", "259:5", "in_sync", "0");
        Assert.True(MdSysfs.TryRead(_tree.MdPaths, MdDeviceName.Parse("md5"))!.IsInSync);
    }

    [Fact]
    public void A_missing_md_device_reads_as_null() => Assert.Null(MdSysfs.TryRead(_tree.MdPaths, MdDeviceName.Parse("md9")));

    [Theory]
    [InlineData("faulty", MdMemberFlags.Faulty)]
    [InlineData("in_sync,write_mostly,failfast", MdMemberFlags.InSync | MdMemberFlags.WriteMostly | MdMemberFlags.FailFast)]
    [InlineData("blocked,write_error,want_replacement", MdMemberFlags.Blocked | MdMemberFlags.WriteError | MdMemberFlags.WantReplacement)]
    [InlineData("something_new", MdMemberFlags.None)]
    public void Member_state_words_map_to_flags(string state, MdMemberFlags flags) => Assert.Equal(flags, MdSysfs.ParseMemberFlags(state));

    [Theory]
    [InlineData("read-auto", MdRunState.ReadAuto)]
    [InlineData("broken", MdRunState.Broken)]
    [InlineData("inactive", MdRunState.Inactive)]
    [InlineData("new-state", MdRunState.Unknown)]
    public void Array_states_map(string value, MdRunState state) => Assert.Equal(state, MdSysfs.ParseRunState(value));
}
