using NvmeNative.Kernel;

namespace NvmeNative.KernelTests.Md;

/// <summary>
/// Our md structs and request codes against a real md driver: an array that mdadm built over loop devices
/// is read with RAID_VERSION, GET_ARRAY_INFO and GET_DISK_INFO, and must agree with mdadm --detail.
/// </summary>
[Collection(MdLab.Collection)]
public sealed class MdIoctlTests
{
    [Fact]
    public void Raid_version_get_array_info_and_get_disk_info_agree_with_mdadm_detail()
    {
        Requires.MdRaid1();
        Requires.Loop();
        Requires.Tool("mdadm");
        Requires.Tool("losetup");
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.Create(64 << 20);
        string md = "/dev/md/nvmenative-ioctl-test";
        Tools.Check("mdadm", "--create", md, "--run", "--quiet", "--level=1", "--raid-devices=2", "--metadata=1.2",
            "--assume-clean", "--homehost=any", "--name=nvmenative-ioctl-test", a.Device, b.Device);
        try
        {
            string node = Path.GetFullPath(File.ResolveLinkTarget(md, returnFinalTarget: true)!.FullName);
            using var fd = Fd.Open(node, Interop.Fcntl.O_RDONLY);

            var version = default(Interop.MdU.mdu_version_t);
            Fd.Ioctl(fd, Interop.MdU.RAID_VERSION, ref version, "RAID_VERSION", node);
            Assert.Equal((0, 90, 3), (version.major, version.minor, version.patchlevel));

            var info = default(Interop.MdU.mdu_array_info_t);
            Fd.Ioctl(fd, Interop.MdU.GET_ARRAY_INFO, ref info, "GET_ARRAY_INFO", node);
            string detail = Tools.Check("mdadm", "--detail", node);
            Assert.Equal((1, 2), (info.major_version, info.minor_version));
            Assert.Equal(1, info.level);
            Assert.Equal(2, info.raid_disks);
            Assert.Equal(2, info.active_disks);
            Assert.Equal(0, info.failed_disks);
            Assert.Contains("Raid Level : raid1", detail);
            Assert.Contains($"Used Dev Size : {info.size} ", detail); // KiB in both
            Assert.Contains($"Raid Devices : {info.raid_disks}", detail);
            Assert.Contains($"Active Devices : {info.active_disks}", detail);

            var members = new List<string>();
            for (int number = 0; number < 2; number++)
            {
                var disk = new Interop.MdU.mdu_disk_info_t { number = number };
                Fd.Ioctl(fd, Interop.MdU.GET_DISK_INFO, ref disk, "GET_DISK_INFO", node);
                Assert.Equal(number, disk.raid_disk);
                Assert.NotEqual(0, disk.state & (1 << Interop.MdP.MD_DISK_ACTIVE));
                Assert.NotEqual(0, disk.state & (1 << Interop.MdP.MD_DISK_SYNC));
                members.Add($"{disk.major}:{disk.minor}");
            }
            foreach (var loop in new[] { a, b })
            {
                string devNumbers = File.ReadAllText($"/sys/class/block/{Path.GetFileName(loop.Device)}/dev").Trim();
                Assert.Contains(devNumbers, members);
                Assert.Contains(loop.Device, detail);
            }
        }
        finally
        {
            Tools.Run("mdadm", "--stop", md);
        }
    }
}
