using NvmeNative.Kernel;

namespace NvmeNative.KernelTests.Kernel;

/// <summary>The connector property <c>uuid</c>: a mounted file system's UUID read as blkid (the oracle) reads it.</summary>
public sealed class FilesystemUuidKernelTests
{
    [Fact]
    public void A_mounted_ext4_gives_the_uuid_blkid_reports()
    {
        Requires.Root();
        Requires.Loop();
        Requires.Tool("mkfs.ext4");
        Requires.Tool("blkid");
        Tools.Check("modprobe", "ext4"); // Debian builds ext4 as a module; the lab loads only what it needs
        using var loop = LoopDevice.Create(32 << 20);
        Tools.Check("mkfs.ext4", "-q", "-F", loop.Device);
        string mountPoint = Directory.CreateTempSubdirectory("nvmenative-fsuuid-").FullName;
        Tools.Check("mount", loop.Device, mountPoint);
        try
        {
            string expected = Tools.Check("blkid", "-s", "UUID", "-o", "value", loop.Device).Trim();
            Assert.Matches("^[0-9a-f-]{36}$", expected);
            Assert.Equal(expected, FilesystemUuid.OfMount(KernelPaths.Host, mountPoint));
        }
        finally
        {
            Tools.Check("umount", mountPoint);
            Directory.Delete(mountPoint);
        }
    }

    [Fact]
    public void The_labs_9p_root_has_no_uuid_as_os_brick_reports_none_for_it()
    {
        Requires.Root();
        Assert.Null(FilesystemUuid.OfMount(KernelPaths.Host, "/"));
    }
}
