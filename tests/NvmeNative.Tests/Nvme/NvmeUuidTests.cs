using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Nvme;

public sealed class NvmeUuidTests
{
    private const string Canonical = "c20aba21-6ef6-446b-b374-45733b4883ba";

    [Theory]
    [InlineData("c20aba21-6ef6-446b-b374-45733b4883ba")]
    [InlineData("C20ABA21-6EF6-446B-B374-45733B4883BA")]
    [InlineData("c20aba216ef6446bb37445733b4883ba")]
    [InlineData("{c20aba21-6ef6-446b-b374-45733b4883ba}")]
    [InlineData("c20aba21-6ef6446b-b374-45733b4883ba")] // os-brick (Python uuid.UUID) accepts hyphens anywhere
    public void Uuid_accepts_os_brick_forms_and_normalizes(string text)
    {
        Assert.Equal(Canonical, NvmeUuid.Parse(text).ToString());
        Assert.Equal(Canonical, Nguid.Parse(text).ToString());
    }

    [Theory]
    [InlineData("fakeuuid")]
    [InlineData("uuid")]
    [InlineData("c20aba21-6ef6-446b-b374-45733b4883b")]
    [InlineData("c20aba21-6ef6-446b-b374-45733b4883bab")]
    [InlineData("c20aba21-6ef6-446b-b374-45733b4883bg")]
    [InlineData(" c20aba21-6ef6-446b-b374-45733b4883ba")]
    [InlineData("{c20aba21-6ef6-446b-b374-45733b4883ba")]
    [InlineData("")]
    public void Uuid_refuses_malformed(string text)
    {
        Assert.False(NvmeUuid.TryParse(text, out _));
        Assert.False(Nguid.TryParse(text, out _));
        var e = Assert.Throws<InvalidInputException>(() => NvmeUuid.Parse(text));
        Assert.Contains("32 hexadecimal digits", e.Message);
    }

    [Fact]
    public void Uuid_formats_as_utf8_for_the_option_string()
    {
        Span<byte> buffer = stackalloc byte[36];
        Assert.True(NvmeUuid.Parse(Canonical).TryFormat(buffer, out int n, default, null));
        Assert.Equal(Canonical, System.Text.Encoding.ASCII.GetString(buffer[..n]));
    }

    [Fact]
    public void Zero_is_recognized()
    {
        Assert.True(NvmeUuid.Parse("00000000000000000000000000000000").IsZero);
        Assert.True(Nguid.Parse("00000000-0000-0000-0000-000000000000").IsZero);
        Assert.False(NvmeUuid.NewRandom().IsZero);
    }
}
