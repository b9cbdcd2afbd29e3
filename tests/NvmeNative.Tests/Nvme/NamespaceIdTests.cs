using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Nvme;

public sealed class NamespaceIdTests
{
    [Theory]
    [InlineData("1", 1u)]
    [InlineData("10", 10u)]
    [InlineData("010", 10u)]
    [InlineData("4294967294", 4294967294u)]
    public void Namespace_id_parses_decimal(string text, uint value)
    {
        Assert.True(NamespaceId.TryParse(text, out var nsid));
        Assert.Equal(value, nsid.Value);
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), nsid.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4294967295")]
    [InlineData("99999999999")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("0x10")]
    [InlineData(" 1")]
    [InlineData("")]
    public void Namespace_id_refuses_invalid(string text) => Assert.False(NamespaceId.TryParse(text, out _));

    [Fact]
    public void Namespace_id_constructor_refuses_0_and_broadcast()
    {
        Assert.Throws<InvalidInputException>(() => new NamespaceId(0));
        Assert.Throws<InvalidInputException>(() => new NamespaceId(uint.MaxValue));
    }
}
