using System.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>os-brick's connector property <c>uuid</c> (root file system UUID) without findmnt and blkid.</summary>
public sealed class FilesystemUuidTests : IDisposable
{
    private readonly FakeKernelTree _tree = new("nvmenative-fsuuid-");

    private string Root => _tree.Root;

    private KernelPaths Paths => _tree.Paths;

    public void Dispose() => _tree.Dispose();

    private void Write(string relative, string text) => _tree.File(relative, text);

    private string Device(string name, byte[] image)
    {
        string path = Path.Combine(Root, "dev", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, image);
        return path;
    }

    private static byte[] Ext4Image(Guid uuid, string dir)
    {
        // The independent oracle: e2fsprogs' mkfs.ext4 formats a plain file with the UUID we choose.
        string image = Path.Combine(dir, "ext4.img");
        using (var f = File.Create(image))
            f.SetLength(8 << 20);
        var psi = new ProcessStartInfo(File.Exists("/usr/sbin/mkfs.ext4") ? "/usr/sbin/mkfs.ext4" : "mkfs.ext4",
            ["-q", "-F", "-U", uuid.ToString(), image]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        byte[] bytes = File.ReadAllBytes(image);
        File.Delete(image);
        return bytes;
    }

    private const string MountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
        23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
        40 22 0:33 / /mnt/with\040space rw shared:20 - btrfs /dev/sdb1 rw,space_cache
        """;

    [Fact]
    public void Mountinfo_lines_are_parsed_with_optional_fields_and_octal_escapes()
    {
        var entries = MountInfoEntry.Parse(MountInfo + "\nnot a mountinfo line\n");
        Assert.Equal(3, entries.Count);
        Assert.Equal(new MountInfoEntry(8, 1, "/", "ext4", "/dev/sda1"), entries[0]);
        Assert.Equal(new MountInfoEntry(0, 33, "/mnt/with space", "btrfs", "/dev/sdb1"), entries[2]);
    }

    [Fact]
    public void The_last_mount_on_a_point_is_the_one_the_process_sees()
    {
        var entries = MountInfoEntry.Parse(MountInfo + "\n50 22 0:40 / / rw shared:30 - overlay overlay rw,lowerdir=/a\n");
        Assert.Equal("overlay", MountInfoEntry.At(entries, "/")!.FilesystemType);
    }

    [Fact]
    public void An_ext4_root_gives_the_uuid_mkfs_wrote()
    {
        var uuid = Guid.NewGuid();
        Device("sda1", Ext4Image(uuid, Root));
        Write("sys/dev/block/8:1/uevent", "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\n");
        Write("proc/self/mountinfo", MountInfo);
        Assert.Equal(uuid.ToString(), FilesystemUuid.OfMount(Paths, "/"));
    }

    [Fact]
    public void Xfs_and_btrfs_superblocks_give_their_uuid_in_on_disk_order()
    {
        byte[] id = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var xfs = new byte[8192];
        "XFSB"u8.CopyTo(xfs);
        id.CopyTo(xfs, 32);
        Assert.Equal("00112233-4455-6677-8899-aabbccddeeff", FilesystemUuid.FromSuperblock(Device("xfs", xfs)));

        var btrfs = new byte[128 * 1024];
        id.CopyTo(btrfs, 65536 + 32);
        "_BHRfS_M"u8.CopyTo(btrfs.AsSpan(65536 + 64));
        Assert.Equal("00112233-4455-6677-8899-aabbccddeeff", FilesystemUuid.FromSuperblock(Device("btrfs", btrfs)));
    }

    [Fact]
    public void A_btrfs_mount_with_an_anonymous_device_number_is_found_through_its_source()
    {
        var btrfs = new byte[128 * 1024];
        Convert.FromHexString("ffeeddccbbaa99887766554433221100").CopyTo(btrfs, 65536 + 32);
        "_BHRfS_M"u8.CopyTo(btrfs.AsSpan(65536 + 64));
        Device("sdb1", btrfs);
        Write("proc/self/mountinfo", MountInfo);
        Assert.Equal("ffeeddcc-bbaa-9988-7766-554433221100", FilesystemUuid.OfMount(Paths, "/mnt/with space"));
    }

    [Fact]
    public void Udevs_by_uuid_link_is_preferred_when_present()
    {
        Device("sda1", new byte[4096]); // no file system we can read: only udev knows
        Directory.CreateDirectory(Path.Combine(Root, "dev/disk/by-uuid"));
        File.CreateSymbolicLink(Path.Combine(Root, "dev/disk/by-uuid/1234-ABCD"), "../../sda1");
        Write("sys/dev/block/8:1/uevent", "MAJOR=8\nMINOR=1\nDEVNAME=sda1\n");
        Write("proc/self/mountinfo", MountInfo);
        Assert.Equal("1234-ABCD", FilesystemUuid.OfMount(Paths, "/"));
    }

    [Theory]
    [InlineData("50 1 0:40 / / rw shared:30 - overlay overlay rw,lowerdir=/a")] // os-brick: overlay gives no uuid
    [InlineData("50 1 0:40 / / rw - tmpfs tmpfs rw")]                          // virtual: no device
    [InlineData("50 1 0:40 / / rw - 9p hostroot rw")]                          // the lab's root
    public void Roots_without_a_readable_block_device_give_null(string line)
    {
        Write("proc/self/mountinfo", line + "\n");
        Assert.Null(FilesystemUuid.OfMount(Paths, "/"));
    }

    [Fact]
    public void An_unknown_file_system_or_a_zero_uuid_gives_null()
    {
        Assert.Null(FilesystemUuid.FromSuperblock(Device("blank", new byte[128 * 1024])));
        Assert.Null(FilesystemUuid.FromSuperblock(Path.Combine(Root, "dev", "missing")));
        Assert.Null(FilesystemUuid.Format(new byte[16]));
    }
}
