using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdNamesTests
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

    [Theory]
    [InlineData("vol1")]
    [InlineData("volume-6a0c2f1e-9d2b-4b7e-8c1f")]
    [InlineData("a.b_c+d")]
    [InlineData("12345678901234567890123456789012")] // exactly 32 bytes
    public void Array_names_within_the_rules_are_accepted(string text) => Assert.Equal(text, MdArrayName.Parse(text).Value);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a/b", "'/'")]
    [InlineData("123456789012345678901234567890123", "32 bytes")]
    [InlineData("..", "relative")]
    [InlineData("host:vol", "':'")]
    [InlineData("with space", "' '")]
    public void Bad_array_names_are_refused_with_the_reason(string text, string reason)
    {
        var e = Assert.Throws<InvalidInputException>(() => MdArrayName.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.False(MdArrayName.TryParse(text, out _));
    }

    [Theory]
    [InlineData("any:vol1", "vol1")]
    [InlineData("myhost:vol1", "vol1")]
    [InlineData("vol1", "vol1")]
    public void The_name_is_recovered_from_the_superblock_set_name(string setName, string name) =>
        Assert.Equal(name, MdArrayName.FromSetName(setName)?.Value);

    [Fact]
    public void A_set_name_that_is_not_a_valid_name_gives_none() => Assert.Null(MdArrayName.FromSetName("any:bad name"));
}
