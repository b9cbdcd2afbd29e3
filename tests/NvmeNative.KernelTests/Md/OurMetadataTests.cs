using System.Globalization;
using NvmeNative.Interop;
using NvmeNative.Kernel;
using NvmeNative.Md.Format;
using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>
/// The on-disk format on its own, before any md ioctl of ours: members whose superblocks and bitmaps were written by
/// our builder and writer must be accepted by mdadm --examine (version 1.2, internal bitmap, failfast, checksum
/// correct) and assembled by mdadm into a clean array with every member active, and the kernel's own rewrites of
/// them must read back through our reader.
/// </summary>
public sealed class OurMetadataTests
{
    [Theory]
    [InlineData(new long[] { 64 << 20, 64 << 20 })]
    [InlineData(new long[] { 64 << 20, 100 << 20, 64 << 20 })]
    public void Mdadm_examines_and_assembles_members_we_wrote(long[] sizes)
    {
        Requires.MdRaid1();
        Requires.Loop();
        Requires.Tool("mdadm");
        Requires.Tool("losetup");
        var loops = new List<LoopDevice>();
        string name = "nvmenative-fmt-" + Guid.NewGuid().ToString("N")[..8];
        string md = "/dev/md/" + name;
        try
        {
            foreach (long size in sizes)
                loops.Add(LoopDevice.Create(size));
            var uuid = MdUuid.NewRandom();
            var members = loops.Select(l => new Raid1NewMember((ulong)DeviceBytes(l.Device) / 512, MdUuid.NewRandom())).ToList();
            var plan = Raid1CreateMetadata.Build(MdArrayName.Parse(name), uuid, members, DateTimeOffset.UtcNow);

            for (int i = 0; i < loops.Count; i++)
            {
                string dev = loops[i].Device;
                using var fd = Fd.Open(dev, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_EXCL);
                long bytes = DeviceBytes(dev);
                Assert.Empty(MdSuperblockProbe.Find(fd, dev, bytes));
                Assert.Null(MemberMetadataIO.Read(fd, dev, bytes));
                MemberMetadataIO.Write(fd, dev, plan.Members[i], bytes);
                var back = MemberMetadataIO.Read(fd, dev, bytes, LogicalBlockSize(fd, dev))!;
                Assert.Equal(plan.Members[i].Superblock, back.Superblock);
                Assert.Equal(plan.Members[i].Bitmap, back.Bitmap);
            }

            string roles = new('A', loops.Count);
            for (int i = 0; i < loops.Count; i++)
            {
                string examine = Tools.Check("mdadm", "--examine", loops[i].Device);
                var sb = plan.Members[i].Superblock;
                Assert.Contains("Version : 1.2", examine);
                Assert.Contains("Feature Map : 0x1", examine);
                Assert.Contains($"Array UUID : {uuid}", examine);
                Assert.Contains($"Name : any:{name}", examine);
                Assert.Contains("Raid Level : raid1", examine);
                Assert.Contains($"Raid Devices : {loops.Count}", examine);
                Assert.Contains($"Data Offset : {plan.Layout.DataOffset} sectors", examine);
                Assert.Contains($"Avail Dev Size : {sb.DataSize} sectors", examine);
                Assert.Contains("Internal Bitmap : 8 sectors from superblock", examine);
                Assert.Contains("Flags : failfast", examine);
                Assert.Contains($"Checksum : {SuperblockChecksum.Compute(sb.ToBlock()):x} - correct", examine);
                Assert.Contains("Events : 0", examine);
                Assert.Contains("State : clean", examine);
                Assert.Contains($"Device Role : Active device {i}", examine);
                Assert.Contains($"Array State : {roles} ", examine);
                Assert.Contains($"Bad Block Log : 512 entries available at offset {plan.Layout.BblogOffset} sectors", examine);

                string bitmap = Tools.Check("mdadm", "--examine-bitmap", loops[i].Device);
                Assert.Contains($"UUID : {uuid}", bitmap);
                Assert.Contains("Chunksize : 64 MB", bitmap);
                Assert.Contains($"Bitmap : {plan.Layout.BitmapBits} bits (chunks), {plan.Layout.BitmapBits} dirty (100.0%)", bitmap);
            }

            var assemble = Tools.Run("mdadm", ["--assemble", md, .. loops.Select(l => l.Device)]).Check("mdadm --assemble");
            Assert.Contains($"has been started with {loops.Count} drives", assemble.Stderr);
            Assert.DoesNotContain("wrong state", assemble.Stderr); // mdadm would have had to correct a superblock
            string node = Path.GetFullPath(File.ResolveLinkTarget(md, returnFinalTarget: true)!.FullName);
            string sys = $"/sys/block/{Path.GetFileName(node)}/md";
            var detailRun = Tools.Run("mdadm", "--detail", node);
            bool opens = !MdRefusesOpens(detailRun, sys);
            Assert.True(detailRun.ExitCode == 0 || !opens, $"mdadm --detail {node} exited {detailRun.ExitCode}: {detailRun.Stderr}\n" +
                $"/proc/mdstat:\n{File.ReadAllText("/proc/mdstat")}");
            if (opens)
            {
                string detail = detailRun.Stdout;
                Assert.Contains("State : clean", detail);
                Assert.DoesNotContain("degraded", detail);
                Assert.Contains($"Active Devices : {loops.Count}", detail);
                Assert.Contains($"Working Devices : {loops.Count}", detail);
                Assert.Contains("Failed Devices : 0", detail);
                Assert.Contains("Intent Bitmap : Internal", detail);
                Assert.Contains($"UUID : {uuid}", detail);
                Assert.Equal(loops.Count, detail.Split('\n').Count(l => l.Contains("active sync", StringComparison.Ordinal)));
            }
            Assert.Contains(File.ReadAllText($"{sys}/array_state").Trim(), new[] { "clean", "active", "active-idle" }); // running, read-write
            Assert.Equal(loops.Count.ToString(CultureInfo.InvariantCulture), File.ReadAllText($"{sys}/raid_disks").Trim());
            Assert.Equal(uuid, MdUuid.Parse(File.ReadAllText($"{sys}/uuid").Trim()));
            Assert.Equal("0", File.ReadAllText($"{sys}/degraded").Trim());
            Assert.Equal("idle", File.ReadAllText($"{sys}/sync_action").Trim()); // --assume-clean: no initial resync
            Assert.Equal((plan.Layout.ComponentSize / 2).ToString(CultureInfo.InvariantCulture), File.ReadAllText($"{sys}/component_size").Trim());
            Assert.Equal("+8", File.ReadAllText($"{sys}/bitmap/location").Trim());
            Assert.Equal((64 << 20).ToString(CultureInfo.InvariantCulture), File.ReadAllText($"{sys}/bitmap/chunksize").Trim());
            foreach (var dev in Directory.GetDirectories(sys, "dev-*"))
            {
                string state = File.ReadAllText(Path.Combine(dev, "state")).Trim();
                Assert.Contains("in_sync", state);
                Assert.Contains("failfast", state);
            }

            if (opens)
                Tools.Check("mdadm", "--stop", md);
            else
                StopWithoutOpening(MdDeviceName.Parse(Path.GetFileName(node)), md, sys);
            // What the kernel wrote while running and stopping must read back through our reader, roles and flags intact.
            for (int i = 0; i < loops.Count; i++)
            {
                string dev = loops[i].Device;
                using var fd = Fd.Open(dev, Interop.Fcntl.O_RDONLY);
                var after = MemberMetadataIO.Read(fd, dev, DeviceBytes(dev))!;
                Assert.Equal(uuid, after.Superblock.SetUuid);
                Assert.Equal((ushort)i, after.Superblock.Role);
                Assert.True(after.Superblock.FailFast);
                Assert.True(after.Superblock.IsClean);
                Assert.Equal(plan.Members[i].Superblock.DeviceUuid, after.Superblock.DeviceUuid);
                Assert.Equal(uuid, after.Bitmap!.Uuid);
            }
        }
        finally
        {
            if (File.Exists(md))
                Tools.Run("mdadm", "--stop", md);
            foreach (var loop in loops)
                loop.Dispose();
        }
    }

    /// <summary>
    /// True when md refuses every open of the array mdadm has just started although it runs: mdadm --detail says
    /// ENODEV. Linux 5.10.262 does this (md_open finds MD_CLOSING set) when mdadm --assemble's "just in case"
    /// STOP_ARRAY lands on an md device that existed before and had taken an ioctl: md_clean keeps MD_CLOSING for such
    /// a device, and the array mdadm then starts on it carries the flag. Shown in the lab with nothing of ours involved
    /// (an md device allocated, given STOP_ARRAY_RO and held open while mdadm assembled onto it); this test failed
    /// that way once, in a full run on 5.10 (which earlier device it met there is not known). It says nothing about the
    /// metadata: what mdadm --detail would report is checked through sysfs.
    /// </summary>
    private static bool MdRefusesOpens(Tools.Result detail, string sys)
    {
        if (detail.ExitCode == 0 || !detail.Stderr.Contains("No such device", StringComparison.Ordinal) || !File.Exists($"{sys}/array_state"))
            return false;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"md refuses opens of the array mdadm started (ENODEV; array_state {File.ReadAllText($"{sys}/array_state").Trim()}): " +
            "mdadm --detail skipped, its facts checked through sysfs; the array is stopped through array_state");
        return true;
    }

    // An array nobody can open is stopped by writing "clear" to array_state (md's do_md_stop, no open needed), then
    // what mdadm --stop would also have removed: the /dev/md link and the map entry.
    private static void StopWithoutOpening(MdDeviceName device, string link, string sys)
    {
        File.WriteAllText($"{sys}/array_state", "clear");
        File.Delete(link);
        new MdMapFile(new MdPaths(KernelPaths.Host)).Remove(device);
    }

    private static long DeviceBytes(string device)
    {
        using var fd = Fd.Open(device, Interop.Fcntl.O_RDONLY);
        ulong bytes = 0;
        Fd.Ioctl(fd, Interop.Fs.BLKGETSIZE64, ref bytes, "BLKGETSIZE64", device);
        return (long)bytes;
    }

    private static int LogicalBlockSize(SafeFdHandle fd, string device)
    {
        int size = 0;
        Fd.Ioctl(fd, Interop.Fs.BLKSSZGET, ref size, "BLKSSZGET", device);
        return size;
    }
}
