using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Errors;

public sealed class MdExceptionTests
{
    [Fact]
    public void Md_errors_name_the_array_and_the_member()
    {
        var e = new MdException("refused", "ioctl SET_DISK_FAULTY", "/dev/md127", "/dev/nvme1n1", 16);
        Assert.Equal(("/dev/md127", "/dev/nvme1n1", NvmeNative.Errors.Errno.EBUSY, "/dev/md127"), (e.MdDevice, e.Member, e.Errno, e.Path));
        Assert.Contains("/dev/md127", e.Message);
        Assert.Contains("/dev/nvme1n1", e.Message);
        Assert.Contains("EBUSY", e.Message);
        Assert.IsAssignableFrom<NvmeNativeException>(e);
    }
}
