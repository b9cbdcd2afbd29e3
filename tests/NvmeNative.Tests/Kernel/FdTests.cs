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
            Assert.Equal(11, Fd.Write(fd, "hello world"u8, path));
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
    public void The_errno_reporting_read_and_write_return_zero_and_the_count()
    {
        string path = Path.Combine(_dir, "t");
        using (var fd = Fd.Open(path, Interop.Fcntl.O_WRONLY | Interop.Fcntl.O_CREAT, 0x180))
        {
            Assert.Equal(0, Fd.TryWrite(fd, "abcdef"u8, out int written));
            Assert.Equal(6, written);
        }
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY))
        {
            var buffer = new byte[4];
            Assert.Equal(0, Fd.TryRead(fd, buffer, out int read));
            Assert.Equal(4, read);
            Assert.Equal(0, Fd.TryRead(fd, buffer, out read));
            Assert.Equal(2, read); // the rest
            Assert.Equal(0, Fd.TryRead(fd, buffer, out read));
            Assert.Equal(0, read); // end of file
        }
    }

    [Fact]
    public void Read_to_end_stops_at_a_full_buffer_or_at_end_of_file()
    {
        string path = Path.Combine(_dir, "r");
        File.WriteAllText(path, "0123456789");
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY))
        {
            var small = new byte[4];
            Assert.Equal(0, Fd.TryReadToEnd(fd, small, out int read));
            Assert.Equal((4, "0123"), (read, System.Text.Encoding.ASCII.GetString(small)));
            var large = new byte[64];
            Assert.Equal(0, Fd.TryReadToEnd(fd, large, out read));
            Assert.Equal((6, "456789"), (read, System.Text.Encoding.ASCII.GetString(large, 0, read)));
        }
    }

    [Fact]
    public void The_errno_reporting_calls_return_the_errno_instead_of_throwing()
    {
        string path = Path.Combine(_dir, "ro");
        File.WriteAllText(path, "x");
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY))
        {
            Assert.Equal((int)Errno.EBADF, Fd.TryWrite(fd, "y"u8, out int written));
            Assert.Equal(0, written);
            var e = Assert.Throws<NvmeNativeException>(() => Fd.Write(fd, "y"u8, path));
            Assert.Equal((Errno.EBADF, "write", path), (e.Errno!.Value, e.Operation, e.Path));
        }
        using (var fd = Fd.Open(_dir, Interop.Fcntl.O_RDONLY))
        {
            var buffer = new byte[8];
            Assert.Equal((int)Errno.EISDIR, Fd.TryRead(fd, buffer, out _));
            Assert.Equal((int)Errno.EISDIR, Fd.TryReadToEnd(fd, buffer, out int read));
            Assert.Equal(0, read);
            Assert.Equal(Errno.EISDIR, Assert.Throws<NvmeNativeException>(() => Fd.Read(fd, buffer, _dir)).Errno);
        }
    }
}
