using NvmeNative.Errors;

namespace NvmeNative.Tests.Errors;

public sealed class NvmeNativeExceptionTests
{
    [Fact]
    public void Carries_errno_name_operation_and_path()
    {
        var e = Syscall.Error((int)Errno.ECONNREFUSED, "write", "/dev/nvme-fabrics");
        Assert.Equal(111, e.ErrnoValue);
        Assert.Equal(Errno.ECONNREFUSED, e.Errno);
        Assert.Equal("ECONNREFUSED", e.ErrnoName);
        Assert.Equal("write", e.Operation);
        Assert.Equal("/dev/nvme-fabrics", e.Path);
        Assert.Equal(111, e.HResult);
        Assert.StartsWith("write /dev/nvme-fabrics: ", e.Message);
        Assert.Contains("(ECONNREFUSED, errno 111)", e.Message);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void Unknown_errno_is_reported_by_number()
    {
        var e = Syscall.Error(133, "ioctl X", "/dev/md0");
        Assert.Null(e.Errno);
        Assert.Equal("errno 133", e.ErrnoName);
    }

    [Fact]
    public void Dhchap_secrets_never_appear_in_the_message_or_properties()
    {
        const string secret = "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:";
        string options = $"nqn=nqn.x,transport=tcp,traddr=127.0.0.1,dhchap_secret={secret},dhchap_ctrl_secret={secret},hostnqn=h";
        var e = new NvmeNativeException($"connect failed with key {secret}", "write", "/dev/nvme-fabrics", (int)Errno.EKEYREJECTED, options);
        Assert.DoesNotContain("ia6zGodOr4SEG0", e.Message);
        Assert.DoesNotContain("ia6zGodOr4SEG0", e.ConnectString);
        Assert.DoesNotContain("ia6zGodOr4SEG0", e.ToString());
        Assert.Contains("dhchap_secret=***", e.ConnectString);
        Assert.Contains("dhchap_ctrl_secret=***", e.ConnectString);
        Assert.Contains("traddr=127.0.0.1", e.ConnectString); // the rest stays readable
    }
}
