using System.Text;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

public sealed class UeventMessageTests
{
    private static UeventMessage? Parse(string text) => UeventMessage.Parse(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_kernel_block_add_is_parsed_with_every_field()
    {
        var m = Parse("add@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1\0ACTION=add\0" +
                      "DEVPATH=/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1\0SUBSYSTEM=block\0MAJOR=259\0" +
                      "MINOR=1\0DEVNAME=nvme0n1\0DEVTYPE=disk\0DISKSEQ=9\0SEQNUM=2291\0");
        Assert.NotNull(m);
        Assert.Equal("add", m.Action);
        Assert.Equal("/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", m.DevPath);
        Assert.Equal("block", m.Subsystem);
        Assert.Equal("nvme0n1", m.Properties["DEVNAME"]);
        Assert.Equal("nvme0n1", m.KernelName);
        Assert.Equal("2291", m.Properties["SEQNUM"]);
        Assert.Equal("disk", m.Properties["DEVTYPE"]);
    }

    [Fact]
    public void A_controller_connected_change_keeps_the_nvme_event_and_values_with_equals_signs()
    {
        var m = Parse("change@/devices/virtual/nvme-fabrics/ctl/nvme3\0ACTION=change\0DEVPATH=/devices/virtual/nvme-fabrics/ctl/nvme3\0" +
                      "SUBSYSTEM=nvme\0NVME_EVENT=connected\0NVME_TRTYPE=tcp\0NVME_TRADDR=nn-0x1:pn-0x2=x\0SEQNUM=7\0");
        Assert.NotNull(m);
        Assert.Equal("nvme3", m.KernelName);
        Assert.Equal("connected", m.Properties["NVME_EVENT"]);
        Assert.Equal("nn-0x1:pn-0x2=x", m.Properties["NVME_TRADDR"]);
        Assert.False(m.Properties.ContainsKey("DEVNAME"));
    }

    [Fact]
    public void A_message_without_a_final_nul_is_still_read_to_its_end()
    {
        var m = Parse("remove@/devices/virtual/nvme-fabrics/ctl/nvme0\0ACTION=remove\0SUBSYSTEM=nvme");
        Assert.NotNull(m);
        Assert.Equal("nvme", m.Subsystem);
    }

    [Theory]
    [InlineData("libudev\0\u00fe\u00ed\u00ca\u00fe")] // udev's re-broadcast: not a kernel event
    [InlineData("")]
    [InlineData("add@\0ACTION=add\0")] // no device path
    [InlineData("@/devices/x\0")] // no action
    [InlineData("add@devices/x\0")] // a device path is absolute
    [InlineData("add@/devices/x\0ACTION=remove\0")] // header and fields disagree
    [InlineData("add@/devices/x\0DEVPATH=/devices/y\0")]
    public void Anything_else_is_not_a_uevent(string text) => Assert.Null(Parse(text));

    [Fact]
    public void Fields_without_a_value_separator_are_skipped()
    {
        var m = Parse("add@/devices/x\0garbage\0=novalue\0SUBSYSTEM=block\0");
        Assert.NotNull(m);
        Assert.Equal(["SUBSYSTEM"], m.Properties.Keys);
    }
}
