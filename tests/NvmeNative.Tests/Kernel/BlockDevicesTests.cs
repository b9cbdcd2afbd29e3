using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// The block-device helpers against what a unit test can make without a kernel: a fake sysfs holders/ directory,
/// regular files, directories, a FIFO and /dev/null. Each must be told apart from a block device; the block-device
/// paths themselves (EBUSY from a claim, BLKGETSIZE64, BLKFLSBUF) run in the lab.
/// </summary>
public sealed class BlockDevicesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-blockdev-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private KernelPaths Paths => KernelPaths.UnderRoot(_root);

    private string SysBlock(string name, params string[] holders)
    {
        string dir = Path.Combine(_root, "sys", "class", "block", name);
        Directory.CreateDirectory(Path.Combine(dir, "holders"));
        foreach (string holder in holders)
            Directory.CreateDirectory(Path.Combine(dir, "holders", holder));
        return dir;
    }

    private string RegularFile(string name, byte[] content)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Fifo(string name)
    {
        string path = Path.Combine(_root, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [Fact]
    public void Holders_are_the_sorted_entries_of_the_holders_directory()
    {
        string dir = SysBlock("nvme1n1", "md127", "dm-0");
        Assert.Equal(["dm-0", "md127"], BlockDevices.Holders(dir));
        Assert.Empty(BlockDevices.Holders(SysBlock("nvme2n1")));
        Assert.Empty(BlockDevices.Holders(Path.Combine(_root, "sys", "class", "block", "gone")));
    }

    [Fact]
    public void A_device_has_holders_only_when_something_is_stacked_on_it()
    {
        SysBlock("nvme1n1", "md127");
        SysBlock("nvme2n1");
        Assert.True(BlockDevices.HasHolders(Paths, "nvme1n1"));
        Assert.False(BlockDevices.HasHolders(Paths, "nvme2n1"));
        Assert.False(BlockDevices.HasHolders(Paths, "nvme3n1")); // no sysfs directory at all
    }

    [Fact]
    public void Only_EBUSY_from_the_exclusive_probe_counts_as_a_claim()
    {
        // O_EXCL without O_CREAT claims only block devices: anything else opens (or fails) without EBUSY.
        Assert.False(BlockDevices.IsClaimedExclusively(RegularFile("plain", [1, 2, 3])));
        Assert.False(BlockDevices.IsClaimedExclusively(_root));
        Assert.False(BlockDevices.IsClaimedExclusively(Path.Combine(_root, "missing")));
        Assert.False(BlockDevices.IsClaimedExclusively(Fifo("fifo"))); // and returns: the probe must not wait for a writer
    }

    [Fact]
    public void A_device_is_in_use_when_it_has_holders_even_if_no_claim_shows()
    {
        SysBlock("nvme1n1", "dm-3");
        SysBlock("nvme2n1");
        string node = RegularFile("node", [0]);
        Assert.True(BlockDevices.IsInUse(Paths, "nvme1n1", node));
        Assert.False(BlockDevices.IsInUse(Paths, "nvme2n1", node));
    }

    [Fact]
    public void Size_and_flush_of_something_that_is_not_a_block_device_fail_naming_the_ioctl()
    {
        string file = RegularFile("image", new byte[8192]);
        var size = Assert.Throws<NvmeNativeException>(() => BlockDevices.SizeBytes(file));
        Assert.Equal((Errno.ENOTTY, "ioctl BLKGETSIZE64", file), (size.Errno!.Value, size.Operation, size.Path));
        var flush = Assert.Throws<NvmeNativeException>(() => BlockDevices.Flush(file));
        Assert.Equal((Errno.ENOTTY, "ioctl BLKFLSBUF", file), (flush.Errno!.Value, flush.Operation, flush.Path));
        string missing = Path.Combine(_root, "missing");
        Assert.Equal(Errno.ENOENT, Assert.Throws<NvmeNativeException>(() => BlockDevices.SizeBytes(missing)).Errno);
        Assert.Equal(Errno.ENOENT, Assert.Throws<NvmeNativeException>(() => BlockDevices.Flush(missing)).Errno);
    }

    [Fact]
    public void Starts_with_zeroes_looks_at_the_first_bytes_only()
    {
        byte[] content = new byte[8192];
        content[4096] = 0x53;
        string path = RegularFile("disk", content);
        Assert.True(BlockDevices.StartsWithZeroes(path, 4096));
        Assert.False(BlockDevices.StartsWithZeroes(path, 4097));
        Assert.True(BlockDevices.StartsWithZeroes(RegularFile("short", new byte[100]), 1 << 20)); // smaller than asked: all of it
        Assert.False(BlockDevices.StartsWithZeroes(RegularFile("label", [0, 0, 1]), 1 << 20));
        Assert.Equal(Errno.ENOENT, Assert.Throws<NvmeNativeException>(() => BlockDevices.StartsWithZeroes(Path.Combine(_root, "x"), 512)).Errno);
    }

    [Fact]
    public void Starts_with_zeroes_reads_past_its_chunk_and_stops_at_the_limit()
    {
        // Larger than the 16 KiB chunk the check reads at a time: bytes in the second and third chunks count,
        // bytes past the limit do not.
        byte[] content = new byte[1 << 20];
        content[(1 << 20) - 1] = 0x01;
        string late = RegularFile("late", content);
        Assert.True(BlockDevices.StartsWithZeroes(late, (1 << 20) - 1));
        Assert.False(BlockDevices.StartsWithZeroes(late, 1 << 20));
        byte[] second = new byte[40_000];
        second[20_000] = 0xa9;
        string middle = RegularFile("middle", second);
        Assert.True(BlockDevices.StartsWithZeroes(middle, 20_000));
        Assert.False(BlockDevices.StartsWithZeroes(middle, 20_001));
        Assert.False(BlockDevices.StartsWithZeroes(middle, 1 << 20)); // shorter than asked, not all zero
        Assert.True(BlockDevices.StartsWithZeroes(RegularFile("exact", new byte[32 * 1024]), 32 * 1024)); // ends on a chunk boundary
    }

    [Fact]
    public void Anything_but_a_block_device_is_invalid_input_carrying_the_errno()
    {
        string file = RegularFile("file", [0]);
        foreach (string path in new[] { file, _root, Fifo("pipe"), "/dev/null" })
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                continue; // /dev/null may be absent in a minimal sandbox
            var e = Assert.Throws<InvalidInputException>(() => BlockDevices.RequireBlockDevice(path, "create"));
            Assert.Equal((Errno.ENOTBLK, "create", path), (e.Errno!.Value, e.Operation, e.Path));
            Assert.Equal("not a block device", e.Reason);
        }
        string missing = Path.Combine(_root, "nope");
        var gone = Assert.Throws<InvalidInputException>(() => BlockDevices.RequireBlockDevice(missing, "create"));
        Assert.Equal((Errno.ENOENT, missing), (gone.Errno!.Value, gone.Path));
        Assert.Contains("does not exist", gone.Message);
    }
}
