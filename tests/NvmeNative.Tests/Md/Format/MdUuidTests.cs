using NvmeNative.Md.Format;

namespace NvmeNative.Tests.Md.Format;

public sealed class MdUuidTests
{
    [Theory]
    [InlineData("01234567:89abcdef:fedcba98:76543210")]
    [InlineData("01234567-89ab-cdef-fedc-ba9876543210")]
    [InlineData("0123456789ABCDEFFEDCBA9876543210")]
    [InlineData("01234567.89abcdef.fedcba98.76543210")]
    public void Parses_hex_digits_in_byte_order_whatever_the_grouping(string text)
    {
        var uuid = MdUuid.Parse(text);
        Assert.Equal(new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 }, uuid.ToArray());
        Assert.Equal("01234567:89abcdef:fedcba98:76543210", uuid.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("01234567:89abcdef:fedcba98:7654321")]
    [InlineData("01234567:89abcdef:fedcba98:765432100")]
    [InlineData("01234567:89abcdef:fedcba98:7654321g")]
    public void Refuses_anything_but_32_hex_digits(string text)
    {
        Assert.Equal("uuid", Assert.Throws<MdArgumentException>(() => MdUuid.Parse(text)).Parameter);
    }

    [Fact]
    public void Equality_bytes_and_randomness()
    {
        var a = MdUuid.FromBytes(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Equal(a, MdUuid.Parse("00010203:04050607:08090a0b:0c0d0e0f"));
        Assert.True(a != MdUuid.Parse("00010203:04050607:08090a0b:0c0d0e0e"));
        Assert.True(default(MdUuid).IsZero);
        Assert.NotEqual(MdUuid.NewRandom(), MdUuid.NewRandom());
        Assert.Throws<ArgumentException>(() => MdUuid.FromBytes(new byte[15]));
    }
}
