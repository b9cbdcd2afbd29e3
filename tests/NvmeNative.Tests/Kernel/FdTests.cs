using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>The syscall wrappers against this machine's real kernel (regular files need no privilege or modules).</summary>
public sealed class FdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-fd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Disposing_the_handle_closes_the_descriptor()
    {
        // Other test classes open descriptors in parallel, so check this descriptor, not a count.
        string path = Path.Combine(_dir, "leak");
        File.WriteAllText(path, "x");
        var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        string link = $"/proc/self/fd/{fd.RawFd}";
        Assert.Equal(path, new FileInfo(link).LinkTarget);
        fd.Dispose();
        Assert.NotEqual(path, File.Exists(link) ? new FileInfo(link).LinkTarget : null);
    }

    [Fact]
    public void Failed_opens_leave_no_descriptor_behind()
    {
        string path = Path.Combine(_dir, "missing");
        for (int i = 0; i < 200; i++)
            Assert.Null(Fd.TryOpen(path, Interop.Fcntl.O_RDONLY, out _));
        Assert.DoesNotContain(Directory.GetFileSystemEntries("/proc/self/fd"), l => new FileInfo(l).LinkTarget == path);
    }

    [Fact]
    public void Write_pread_pwrite_fsync_round_trip()
    {
        string path = Path.Combine(_dir, "data");
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_CREAT | Interop.Fcntl.O_EXCL, 0x180))
        {
            Fd.WriteAll(fd, "hello world"u8, path);
            Fd.PWrite(fd, "W"u8, 6, path);
            Fd.Fsync(fd, path);
            var buffer = new byte[32];
            int n = Fd.PRead(fd, buffer, 0, path);
            Assert.Equal("hello World", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY))
        {
            var buffer = new byte[5];
            Assert.Equal(5, Fd.Read(fd, buffer, path));
            Assert.Equal("hello"u8.ToArray(), buffer);
        }
    }

    [Fact]
    public void Open_failure_carries_errno_and_path()
    {
        string path = Path.Combine(_dir, "missing");
        var e = Assert.Throws<NvmeNativeException>(() => Fd.Open(path, Interop.Fcntl.O_RDONLY));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal(path, e.Path);
        Assert.Equal("open", e.Operation);
        Assert.Null(Fd.TryOpen(path, Interop.Fcntl.O_RDONLY, out int errno));
        Assert.Equal((int)Errno.ENOENT, errno);
    }

    [Fact]
    public void Exclusive_create_of_an_existing_file_is_EEXIST()
    {
        string path = Path.Combine(_dir, "x");
        File.WriteAllText(path, "");
        var e = Assert.Throws<NvmeNativeException>(() => Fd.Open(path, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_CREAT | Interop.Fcntl.O_EXCL, 0x180));
        Assert.Equal(Errno.EEXIST, e.Errno);
    }

    [Fact]
    public void Ioctl_on_a_regular_file_reports_ENOTTY_with_the_request_name()
    {
        string path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "x");
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        var version = default(Interop.MdU.mdu_version_t);
        var e = Assert.Throws<NvmeNativeException>(() => Fd.Ioctl(fd, Interop.MdU.RAID_VERSION, ref version, "RAID_VERSION", path));
        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Equal("ioctl RAID_VERSION", e.Operation);
    }

    [Fact]
    public void Statx_reports_type_and_size()
    {
        string path = Path.Combine(_dir, "s");
        File.WriteAllBytes(path, new byte[1234]);
        var st = Fd.Statx(path);
        Assert.Equal(Interop.Stat.S_IFREG, st.stx_mode & Interop.Stat.S_IFMT);
        Assert.Equal(1234ul, st.stx_size);
        Assert.Equal(Interop.Stat.S_IFDIR, Fd.Statx(_dir).stx_mode & Interop.Stat.S_IFMT);
        Assert.Equal(Errno.ENOENT, Assert.Throws<NvmeNativeException>(() => Fd.Statx(path + ".no")).Errno);
    }

    [Fact]
    public void Poll_returns_ready_events_without_waiting_for_the_timeout()
    {
        string path = Path.Combine(_dir, "p");
        File.WriteAllText(path, "x");
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        short revents = Fd.Poll(fd, Interop.Poll.POLLIN, -1, path); // a regular file is always readable
        Assert.NotEqual(0, revents & Interop.Poll.POLLIN);
    }
}
