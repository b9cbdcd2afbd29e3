using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>Arrays we create are mdadm arrays: mdadm examines, details, finds (map), assembles and reads them.</summary>
[Collection(MdLab.Collection)]
public sealed class MdCreateTests
{
    [Fact]
    public void Created_array_passes_mdadm_examine_and_detail_and_mdadm_reassembles_our_data()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.Create(64 << 20);
        var name = MdLab.UniqueName("create");
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var array = arrays.Create(new MdCreateRequest(name, [a.Device, b.Device]), ct);
        MdDeviceName? mdadmDevice = null;
        try
        {
            Assert.Equal("/dev/" + array.Device.Value, array.Node);
            Assert.Equal("../" + array.Device.Value, new FileInfo("/dev/md/" + name.Value).LinkTarget);
            Assert.Equal(array.Link, "/dev/md/" + name.Value);

            foreach (var member in new[] { a.Device, b.Device })
            {
                string examine = Examine.Of(member);
                Assert.Equal("1.2", Examine.Field(examine, "Version"));
                Assert.Equal("raid1", Examine.Field(examine, "Raid Level"));
                Assert.Equal("any:" + name.Value, Examine.Field(examine, "Name"));
                Assert.Equal(array.Uuid.ToMdadmString(), Examine.Field(examine, "Array UUID"));
                Assert.Equal("8 sectors from superblock", Examine.Field(examine, "Internal Bitmap"));
                Assert.Contains("failfast", Examine.Field(examine, "Flags"));
                Assert.EndsWith("- correct", Examine.Field(examine, "Checksum"));
                Assert.Equal("clean", Examine.Field(examine, "State"));
                Assert.Equal("AA ('A' == active, '.' == missing, 'R' == replacing)", Examine.Field(examine, "Array State"));
            }
            string detail = Tools.Check("mdadm", "--detail", array.Node);
            Assert.Equal("clean", Examine.Field(detail, "State"));
            Assert.Equal("2", Examine.Field(detail, "Active Devices"));
            Assert.Equal("2", Examine.Field(detail, "Working Devices"));
            Assert.Equal("0", Examine.Field(detail, "Failed Devices"));
            Assert.Equal("bitmap", Examine.Field(detail, "Consistency Policy"));
            Assert.Equal(2, detail.Split('\n').Count(l => l.Contains("active sync failfast", StringComparison.Ordinal)));
            // mdadm finds our map entry by uuid: MD_DEVNAME comes only from /run/mdadm/map.
            var export = MdLab.DetailExport(array.Node);
            Assert.Equal(name.Value, export["MD_DEVNAME"]);
            Assert.Equal(array.Uuid.ToMdadmString(), export["MD_UUID"]);
            Assert.Equal(array.SizeBytes, long.Parse(Tools.Check("blockdev", "--getsize64", array.Node).Trim()));

            var info = arrays.GetInfo(array.Device)!;
            Assert.True(info.HasInternalBitmap);
            Assert.Equal((1, 2, 2, 2), (info.MajorVersion, info.MinorVersion, info.RaidDisks, info.ActiveDisks));

            byte[] data = MdLab.Pattern(1, 4 << 20);
            MdLab.WriteDevice(array.Node, 1 << 20, data);
            Assert.True(arrays.Stop(array, ct));
            // Kernels after 6.18 record the array's logical block size in the superblocks of an array they created (it was
            // padding before, and older kernels refuse a member where it is set); we read it as that kernel does.
            foreach (var member in new[] { a.Device, b.Device })
                Assert.Equal(KernelFacts.MdRecordsLogicalBlockSize ? 512u : 0u, arrays.Examine(member)!.LogicalBlockSize);
            Assert.Null(new FileInfo("/dev/md/" + name.Value).LinkTarget);
            Assert.DoesNotContain(array.Device.Value + " ", File.Exists("/run/mdadm/map") ? File.ReadAllText("/run/mdadm/map") : "");

            Tools.Check("mdadm", "--assemble", "/dev/md/" + name.Value, a.Device, b.Device);
            mdadmDevice = MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget("/dev/md/" + name.Value, true)!.FullName));
            Assert.Equal("2", Examine.Field(Tools.Check("mdadm", "--detail", "/dev/md/" + name.Value), "Active Devices"));
            Assert.Equal(data, MdLab.ReadDevice("/dev/md/" + name.Value, 1 << 20, data.Length));
        }
        finally
        {
            MdLab.StopQuietly(mdadmDevice);
            MdLab.StopQuietly(array.Device);
        }
    }

    [Fact]
    public void A_read_only_create_starts_readonly()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        var arrays = new MdArrays();
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("ro"), [a.Device, b.Device]) { ReadOnly = true },
            TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal(MdRunState.ReadOnly, arrays.GetState(array.Device)!.RunState);
        }
        finally
        {
            arrays.Stop(array, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void Bad_input_fails_before_anything_is_written_or_allocated()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.Create(64 << 20);
        using var big = LoopDevice.Create(80 << 20);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var before = Directory.GetFileSystemEntries("/sys/block", "md*").Order().ToList();
        string map = File.Exists("/run/mdadm/map") ? File.ReadAllText("/run/mdadm/map") : "";
        string notBlock = Path.Combine(Path.GetTempPath(), $"nvmenative-notblock-{Guid.NewGuid():N}");
        File.WriteAllBytes(notBlock, new byte[4096]);
        try
        {
            var e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("bad"), [a.Device, notBlock]), ct));
            Assert.Equal(notBlock, e.Path);
            Assert.Equal(Errno.ENOTBLK, e.Errno);

            e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("bad"), [a.Device, big.Device]), ct));
            Assert.Contains("differ", e.Message);

            e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("bad"), [a.Device, a.Device]), ct));
            Assert.Contains("same device", e.Message);

            using (var holder = NvmeNative.Kernel.Fd.Open(b.Device, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_EXCL))
            {
                e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("bad"), [a.Device, b.Device]), ct));
                Assert.Equal((Errno.EBUSY, b.Device), (e.Errno, e.Path));
            }
            Assert.Throws<InvalidInputException>(() => MdArrayName.Parse("a/b"));
            Assert.Throws<InvalidInputException>(() => MdArrayName.Parse(new string('x', 33)));

            // Nothing happened: no md device, no map line, and no superblock on any member.
            Assert.Equal(before, Directory.GetFileSystemEntries("/sys/block", "md*").Order().ToList());
            Assert.Equal(map, File.Exists("/run/mdadm/map") ? File.ReadAllText("/run/mdadm/map") : "");
            foreach (var member in new[] { a.Device, b.Device, big.Device })
                Assert.NotEqual(0, Tools.Run("mdadm", "--examine", member).ExitCode);
        }
        finally
        {
            File.Delete(notBlock);
        }
    }

    [Fact]
    public void Members_that_carry_md_metadata_are_refused_unless_overwriting_is_allowed()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        var old = MdLab.MdadmCreate(MdLab.UniqueName("old"), a, b);
        Tools.Check("mdadm", "--stop", "/dev/" + old.Value);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("new"), [a.Device, b.Device]), ct));
        Assert.Contains("md metadata", e.Message);
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("new"), [a.Device, b.Device]) { OverwriteExistingMetadata = true }, ct);
        try
        {
            Assert.Equal(array.Uuid.ToMdadmString(), Examine.Field(Examine.Of(a.Device), "Array UUID"));
        }
        finally
        {
            arrays.Stop(array, ct);
        }
    }

    [Fact]
    public void Members_with_partitions_or_holders_are_refused_before_anything_is_written_unless_deleting_unused_partitions_was_asked_for()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.CreatePartitioned(64 << 20, (2048, 16384), (18432, 16384));
        using var c = LoopDevice.Create(32 << 20);
        using var d = LoopDevice.Create(32 << 20);
        string name = Path.GetFileName(b.Device);
        Assert.True(File.Exists($"/sys/class/block/{name}p1/partition") && File.Exists($"/sys/class/block/{name}p2/partition"),
            "losetup --partscan made no partitions");
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var before = Directory.GetFileSystemEntries("/sys/block", "md*").Order().ToList();
        var other = MdLab.MdadmCreate(MdLab.UniqueName("holder"), c, d);
        try
        {
            var e = Assert.Throws<InvalidInputException>(() => arrays.Create(new MdCreateRequest(MdLab.UniqueName("part"), [a.Device, b.Device]), ct));
            Assert.Equal(b.Device, e.Path);
            Assert.Contains($"partitions ({name}p1, {name}p2)", e.Message);

            using (var inUse = NvmeNative.Kernel.Fd.Open(b.Device + "p2", Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_EXCL))
            {
                e = Assert.Throws<InvalidInputException>(() =>
                    arrays.Create(new MdCreateRequest(MdLab.UniqueName("part"), [a.Device, b.Device]) { DeletePartitions = true }, ct));
                Assert.Equal((Errno.EBUSY, b.Device), (e.Errno, e.Path));
                Assert.Contains($"{name}p2 is in use", e.Message);
            }

            e = Assert.Throws<InvalidInputException>(() =>
                arrays.Create(new MdCreateRequest(MdLab.UniqueName("part"), [a.Device, c.Device]) { DeletePartitions = true }, ct));
            Assert.Equal((Errno.EBUSY, c.Device), (e.Errno, e.Path));
            Assert.Contains($"held by {other.Value}", e.Message);

            // Nothing happened: the partitions are there, no member got a superblock, no md device was allocated.
            Assert.True(File.Exists($"/sys/class/block/{name}p1/partition") && File.Exists($"/sys/class/block/{name}p2/partition"));
            foreach (var member in new[] { a.Device, b.Device })
                Assert.DoesNotContain("a92b4efc", Tools.Run("mdadm", "--examine", member).Stdout); // b: mdadm shows the MBR, and no md magic
            Assert.Contains("Partition[0]", Tools.Run("mdadm", "--examine", b.Device).Stdout);
            // No md device beyond those there before and the holder's. Compared as sets: an array an earlier test stopped
            // can still be listed in `before` while md deletes its disk asynchronously, and its name be reused by the holder.
            Assert.Empty(Directory.GetFileSystemEntries("/sys/block", "md*").Except(before).Except(["/sys/block/" + other.Value]));
        }
        finally
        {
            MdLab.StopQuietly(other);
        }

        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("part"), [a.Device, b.Device]) { DeletePartitions = true }, ct);
        try
        {
            Assert.False(Directory.Exists($"/sys/class/block/{name}p1"));
            Assert.False(Directory.Exists($"/sys/class/block/{name}p2"));
            Assert.Equal("clean", Examine.Field(Examine.Of(b.Device), "State"));
            Assert.Equal("2", Examine.Field(Tools.Check("mdadm", "--detail", array.Node), "Active Devices"));
        }
        finally
        {
            arrays.Stop(array, ct);
        }
    }
}
