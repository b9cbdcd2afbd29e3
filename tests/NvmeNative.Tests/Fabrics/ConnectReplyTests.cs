using System.Text;
using NvmeNative.Fabrics;

namespace NvmeNative.Tests.Fabrics;

public sealed class ConnectReplyTests
{
    [Theory]
    [InlineData("instance=0,cntlid=17088\n", 0, 17088)]
    [InlineData("instance=12,cntlid=1\n", 12, 1)]
    [InlineData("instance=3,cntlid=2", 3, 2)]
    [InlineData("cntlid=2,instance=3\n", 3, 2)]
    [InlineData("instance=3,cntlid=0,future=1\n", 3, 0)]
    public void Parses_instance_and_cntlid(string reply, int instance, int cntlid)
    {
        Assert.True(ConnectReply.TryParse(Encoding.ASCII.GetBytes(reply), out int i, out int c));
        Assert.Equal(instance, i);
        Assert.Equal(cntlid, c);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("instance=-1,cntlid=-1,transport=%s\n")] // the options listing: no controller
    [InlineData("instance=3\n")]
    [InlineData("cntlid=3\n")]
    [InlineData("instance=,cntlid=1\n")]
    [InlineData("instance=x,cntlid=1\n")]
    [InlineData("instance=+3,cntlid=1\n")]
    [InlineData("instance=3 ,cntlid=1\n")]
    [InlineData("instance=99999999999,cntlid=1\n")]
    public void Refuses_anything_else(string reply) =>
        Assert.False(ConnectReply.TryParse(Encoding.ASCII.GetBytes(reply), out _, out _));
}
