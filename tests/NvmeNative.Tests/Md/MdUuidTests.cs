using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdUuidTests
{
    private static readonly MdUuid Sample = new(Convert.FromHexString("0a1b2c3d4e5f60718293a4b5c6d7e8f9"));

    [Fact]
    public void Mdadm_form_is_the_bytes_in_order_in_four_groups() =>
        Assert.Equal("0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9", Sample.ToMdadmString());

    [Fact]
    public void Kernel_form_is_percent_pU() =>
        Assert.Equal("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", Sample.ToKernelString());

    [Fact]
    public void Map_file_form_is_host_endian_words()
    {
        Assert.True(BitConverter.IsLittleEndian, "this expectation is for little-endian hosts");
        Assert.Equal("3d2c1b0a:71605f4e:b5a49382:f9e8d7c6", Sample.ToMapFileString());
        Assert.True(MdUuid.TryParseMapFileString(Sample.ToMapFileString(), out var back));
        Assert.Equal(Sample, back);
    }

    [Fact]
    public void Both_printed_forms_parse_back()
    {
        Assert.Equal(Sample, MdUuid.Parse(Sample.ToMdadmString()));
        Assert.Equal(Sample, MdUuid.Parse(Sample.ToKernelString()));
        Assert.False(MdUuid.TryParse("0a1b2c3d:4e5f6071", out _));
        Assert.NotEqual(Sample, MdUuid.NewRandom());
    }

    [Theory]
    [InlineData("01234567:89abcdef:fedcba98:76543210")]
    [InlineData("01234567-89ab-cdef-fedc-ba9876543210")]
    [InlineData("0123456789ABCDEFFEDCBA9876543210")]
    [InlineData("01234567.89abcdef.fedcba98.76543210")]
    public void Parses_hex_digits_in_byte_order_whatever_the_grouping(string text)
    {
        var uuid = MdUuid.Parse(text);
        Assert.Equal(new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 }, uuid.ToArray());
        Assert.Equal(uuid.ToArray(), uuid.Bytes.ToArray());
        Assert.Equal("01234567:89abcdef:fedcba98:76543210", uuid.ToString());
    }

    [Theory]
    [InlineData("", "0 hex digits")]
    [InlineData("01234567:89abcdef:fedcba98:7654321", "31 hex digits")]
    [InlineData("01234567:89abcdef:fedcba98:765432100", "more than 32")]
    [InlineData("01234567:89abcdef:fedcba98:7654321g", "'g'")]
    public void Refuses_anything_but_32_hex_digits(string text, string reason)
    {
        var e = Assert.Throws<InvalidInputException>(() => MdUuid.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.False(MdUuid.TryParse(text, out _));
    }

    [Fact]
    public void Equality_bytes_and_the_zero_uuid()
    {
        var a = MdUuid.FromBytes(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Equal(a, MdUuid.Parse("00010203:04050607:08090a0b:0c0d0e0f"));
        Assert.True(a != MdUuid.Parse("00010203:04050607:08090a0b:0c0d0e0e"));
        Assert.True(default(MdUuid).IsZero);
        Assert.Equal(new byte[16], default(MdUuid).Bytes.ToArray());
        Assert.Throws<ArgumentException>(() => MdUuid.FromBytes(new byte[15]));
        Assert.False(MdUuid.TryParseMapFileString("3d2c1b0a:71605f4e:b5a49382", out _));
    }
}
