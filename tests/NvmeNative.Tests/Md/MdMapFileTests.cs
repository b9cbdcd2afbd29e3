using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdMapFileTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private string MapPath => Path.Combine(_tree.Paths.Run, "mdadm", "map");

    [Fact]
    public void Entries_are_written_in_mdadms_line_format_and_the_lock_file_is_gone_afterwards()
    {
        var uuid = MdUuid.Parse("0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9");
        var map = new MdMapFile(_tree.MdPaths);
        map.Update(new MdMapEntry(MdDeviceName.Parse("md127"), "1.2", uuid, "/dev/md/vol1"));
        Assert.Equal("md127 1.2 3d2c1b0a:71605f4e:b5a49382:f9e8d7c6 /dev/md/vol1\n", File.ReadAllText(MapPath));
        Assert.False(File.Exists(Path.Combine(_tree.Paths.Run, "mdadm", "map.lock")));
        Assert.False(File.Exists(Path.Combine(_tree.Paths.Run, "mdadm", "map.new")));
        Assert.Equal(uuid, Assert.Single(map.Read()).Uuid);
    }

    [Fact]
    public void Update_replaces_the_entry_of_the_same_device_and_keeps_the_others()
    {
        _tree.Write(MapPath, "md126 1.2 00000001:00000002:00000003:00000004 /dev/md/other");
        var map = new MdMapFile(_tree.MdPaths);
        map.Update(new MdMapEntry(MdDeviceName.Parse("md127"), "1.2", MdUuid.NewRandom(), "/dev/md/a"));
        var uuid = MdUuid.NewRandom();
        map.Update(new MdMapEntry(MdDeviceName.Parse("md127"), "1.2", uuid, "/dev/md/b"));
        var entries = map.Read();
        Assert.Equal(2, entries.Count);
        Assert.Equal("/dev/md/other", entries.Single(e => e.Device.Value == "md126").Path);
        var ours = entries.Single(e => e.Device.Value == "md127");
        Assert.Equal(("/dev/md/b", uuid), (ours.Path, ours.Uuid));
    }

    [Fact]
    public void Remove_deletes_only_that_device_and_tolerates_a_missing_map()
    {
        var map = new MdMapFile(_tree.MdPaths);
        map.Remove(MdDeviceName.Parse("md1")); // no map at all: nothing to do
        Assert.False(File.Exists(MapPath));
        _tree.Write(MapPath, "md126 1.2 00000001:00000002:00000003:00000004 /dev/md/other\nmd127 1.2 00000001:00000002:00000003:00000005 /dev/md/x");
        map.Remove(MdDeviceName.Parse("md127"));
        Assert.Equal("md126 1.2 00000001:00000002:00000003:00000004 /dev/md/other\n", File.ReadAllText(MapPath));
    }
}
