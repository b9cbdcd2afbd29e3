using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdArrayNameTests
{
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

    // set_name composition and mdadm's own name rules (the format layer's view of MdArrayName).
    [Theory]
    // mdadm 4.2 (Fixtures/md name-* cases): "any:" is added while 3 + 1 + NAME < 32 bytes and NAME has no ':';
    // otherwise NAME is stored alone, cut to 31 bytes.
    [InlineData("vol1", "any:vol1")]
    [InlineData("abcdefghijklmnopqrstuvwxyz1", "any:abcdefghijklmnopqrstuvwxyz1")]
    [InlineData("abcdefghijklmnopqrstuvwxyz12", "abcdefghijklmnopqrstuvwxyz12")]
    [InlineData("abcdefghijklmnopqrstuvwxyz123456", "abcdefghijklmnopqrstuvwxyz12345")]
    [InlineData("with:colon", "with:colon")]
    public void Set_name_is_composed_as_mdadm_does_with_homehost_any(string name, string setName)
    {
        Assert.Equal(setName, MdArrayName.ParseMdadmName(name).SetNameFor());
        var bytes = MdArrayName.ParseMdadmName(name).SetNameBytesFor();
        Assert.Equal(32, bytes.Length);
        Assert.Equal(setName, System.Text.Encoding.UTF8.GetString(bytes.AsSpan().TrimEnd((byte)0)));
    }

    [Fact]
    public void Without_a_homehost_the_name_is_stored_alone()
    {
        Assert.Equal("vol1", MdArrayName.ParseMdadmName("vol1").SetNameFor(null));
        Assert.Equal("myhost:vol1", MdArrayName.ParseMdadmName("vol1").SetNameFor("myhost"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("abcdefghijklmnopqrstuvwxyz1234567", "33 bytes")]
    [InlineData("ééééééééééééééééé", "34 bytes")]
    [InlineData("a/b", "'/'")]
    [InlineData("a b", "U+0020")]
    [InlineData("a\nb", "U+000A")]
    [InlineData("a\0b", "U+0000")]
    [InlineData(".", "/dev/md/.")]
    [InlineData("..", "/dev/md/..")]
    public void Bad_names_are_refused_before_anything_is_written(string name, string reason)
    {
        var e = Assert.Throws<InvalidInputException>(() => MdArrayName.ParseMdadmName(name));
        Assert.Equal("validate name", e.Operation);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Thirty_two_bytes_is_the_limit_as_in_mdadm()
    {
        Assert.Equal(32, MdArrayName.ParseMdadmName(new string('n', 32)).Value.Length);
        Assert.Equal("ééééééééééééééé", MdArrayName.ParseMdadmName("ééééééééééééééé").Value); // 30 bytes
    }

    [Theory]
    [InlineData("with:colon")]
    [InlineData("ééééééééééééééé")]
    public void Names_mdadm_takes_but_the_public_rules_refuse_exist_only_for_the_format_layer(string name)
    {
        Assert.Equal(name, MdArrayName.ParseMdadmName(name).Value);
        Assert.Throws<InvalidInputException>(() => MdArrayName.Parse(name));
    }
}
