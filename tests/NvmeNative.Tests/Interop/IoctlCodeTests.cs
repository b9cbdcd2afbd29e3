using NvmeNative.Interop;

namespace NvmeNative.Tests.InteropTests;

/// <summary>
/// Golden request codes, typed in from the md/nvme references and nix's encoding vectors, so an error in
/// the encoder is caught even on a machine without gcc (the header test checks the same codes with gcc).
/// </summary>
public sealed class IoctlCodeTests
{
    public static TheoryData<string, uint, uint> Golden() => new()
    {
        { "RAID_VERSION", Interop.MdU.RAID_VERSION, 0x800C0910 },
        { "GET_ARRAY_INFO", Interop.MdU.GET_ARRAY_INFO, 0x80480911 },
        { "GET_DISK_INFO", Interop.MdU.GET_DISK_INFO, 0x80140912 },
        { "GET_BITMAP_FILE", Interop.MdU.GET_BITMAP_FILE, 0x90000915 },
        { "ADD_NEW_DISK", Interop.MdU.ADD_NEW_DISK, 0x40140921 },
        { "HOT_REMOVE_DISK", Interop.MdU.HOT_REMOVE_DISK, 0x00000922 },
        { "SET_ARRAY_INFO", Interop.MdU.SET_ARRAY_INFO, 0x40480923 },
        { "HOT_ADD_DISK", Interop.MdU.HOT_ADD_DISK, 0x00000928 },
        { "SET_DISK_FAULTY", Interop.MdU.SET_DISK_FAULTY, 0x00000929 },
        { "SET_BITMAP_FILE", Interop.MdU.SET_BITMAP_FILE, 0x4004092B },
        { "RUN_ARRAY", Interop.MdU.RUN_ARRAY, 0x400C0930 },
        { "STOP_ARRAY", Interop.MdU.STOP_ARRAY, 0x00000932 },
        { "STOP_ARRAY_RO", Interop.MdU.STOP_ARRAY_RO, 0x00000933 },
        { "RESTART_ARRAY_RW", Interop.MdU.RESTART_ARRAY_RW, 0x00000934 },
        { "NVME_IOCTL_ID", Interop.NvmeIoctl.NVME_IOCTL_ID, 0x00004E40 },
        { "NVME_IOCTL_ADMIN_CMD", Interop.NvmeIoctl.NVME_IOCTL_ADMIN_CMD, 0xC0484E41 },
        { "BLKGETSIZE64", Interop.Fs.BLKGETSIZE64, 0x80081272 },
        { "BLKFLSBUF", Interop.Fs.BLKFLSBUF, 0x00001261 },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Request_code_matches_the_golden_value(string name, uint actual, uint expected)
    {
        Assert.True(expected == actual, $"{name}: expected 0x{expected:X8}, got 0x{actual:X8}");
    }

    [Fact]
    public void Encoding_matches_nix_vectors()
    {
        // nix test_ioctl.rs: request_code_write!(b'z', 10, 512) == 0x4200_7A0A; _IO(b'q', 10) == 0x0000_710A.
        Assert.Equal(0x42007A0Au, IoctlCode.Ioc(IoctlCode.DirWrite, (byte)'z', 10, 512));
        Assert.Equal(0x0000710Au, IoctlCode.IO((byte)'q', 10));
        Assert.Equal(0x82007A0Au, IoctlCode.Ioc(IoctlCode.DirRead, (byte)'z', 10, 512));
        Assert.Equal(0xC2007A0Au, IoctlCode.Ioc(IoctlCode.DirRead | IoctlCode.DirWrite, (byte)'z', 10, 512));
    }

    [Fact]
    public void Argument_larger_than_the_size_field_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Ioc(IoctlCode.DirRead, 9, 1, 1u << 14));
    }
}
