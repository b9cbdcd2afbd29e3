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
}
