using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdDeviceNameTests
{
    [Theory]
    [InlineData("md0", 0)]
    [InlineData("md127", 127)]
    [InlineData("/dev/md511", 511)]
    public void Numeric_md_device_names_parse_with_their_minor(string text, int minor)
    {
        var name = MdDeviceName.Parse(text);
        Assert.Equal(minor, name.Minor);
        Assert.Equal(text.Replace("/dev/", ""), name.Value);
        Assert.Equal(name, MdDeviceName.FromMinor(minor));
    }

    [Fact]
    public void Named_md_devices_have_no_minor() => Assert.Null(MdDeviceName.Parse("md_data").Minor);

    [Theory]
    [InlineData("")]
    [InlineData("md")]
    [InlineData("md512")]
    [InlineData("md007")]
    [InlineData("sda")]
    [InlineData("md1x")]
    [InlineData("md_")]
    [InlineData("md_a/b")]
    [InlineData("/dev/md/name")]
    public void Other_strings_are_not_md_device_names(string text) => Assert.False(MdDeviceName.TryParse(text, out _));
}
