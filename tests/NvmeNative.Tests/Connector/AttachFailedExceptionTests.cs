using NvmeNative.Connector;
using NvmeNative.Errors;

namespace NvmeNative.Tests.Connector;

public sealed class AttachFailedExceptionTests
{
    [Fact]
    public void Attach_failure_says_what_was_rolled_back_and_keeps_the_cause()
    {
        var cause = new NvmeNativeException("Connection refused", "write", "/dev/nvme-fabrics", (int)Errno.ECONNREFUSED,
            "nqn=n,transport=tcp,traddr=127.0.0.1,dhchap_secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:");
        var e = new AttachFailedException(cause, ["deleted controller nvme3"], []);
        Assert.Same(cause, e.InnerException);
        Assert.Equal(Errno.ECONNREFUSED, e.Errno);
        Assert.Contains("rolled back: deleted controller nvme3", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.ConnectString);
    }
}
