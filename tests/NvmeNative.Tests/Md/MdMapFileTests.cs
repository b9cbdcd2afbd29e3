using NvmeNative.Kernel;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>mdadm's /run/mdadm/map under a temp /run: the map.lock protocol and the entries.</summary>
public sealed class MdMapFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-map-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private MdPaths Paths => new(KernelPaths.UnderRoot(_root));

    private static MdMapEntry Entry(string device, byte first, string link) =>
        new(MdDeviceName.Parse(device), "1.2", new MdUuid([first, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), link);

    [Fact]
    public void Update_replaces_the_entry_of_the_same_device_and_remove_drops_it_leaving_no_lock_file()
    {
        var map = new MdMapFile(Paths);
        map.Update(Entry("md127", 1, "/dev/md/a"));
        map.Update(Entry("md126", 2, "/dev/md/b"));
        map.Update(Entry("md127", 3, "/dev/md/c"));
        Assert.Equal([Entry("md126", 2, "/dev/md/b"), Entry("md127", 3, "/dev/md/c")], map.Read());
        Assert.False(File.Exists(Path.Combine(Paths.MdadmRunDir, "map.lock"))); // the holder unlinks it before closing
        Assert.False(File.Exists(Path.Combine(Paths.MdadmRunDir, "map.new")));

        map.Remove(MdDeviceName.Parse("md126"));
        Assert.Equal([Entry("md127", 3, "/dev/md/c")], map.Read());
    }

    [Fact]
    public async Task An_update_waits_for_another_holder_of_map_lock()
    {
        var ct = TestContext.Current.CancellationToken;
        var map = new MdMapFile(Paths);
        string lockPath = Path.Combine(Paths.MdadmRunDir, "map.lock");
        var mdadm = FileLock.Acquire(lockPath, TimeSpan.Zero, ct);
        var update = Task.Run(() => map.Update(Entry("md127", 1, "/dev/md/a")), ct);
        await Task.Delay(200, ct);
        Assert.False(update.IsCompleted); // still held
        File.Delete(lockPath); // as mdadm releases it: unlink, then close
        mdadm.Dispose();
        await update.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Single(map.Read());
    }
}
