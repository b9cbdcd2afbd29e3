using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Nvme;

public sealed class NqnTests
{
    [Theory]
    [InlineData("nqn.2014-08.org.nvmexpress:uuid:c20aba21-6ef6-446b-b374-45733b4883ba")]
    [InlineData("nqn.2024-01.com.example:storage-1")]
    [InlineData("blktests-subsystem-1")] // nvmet and the Linux host accept any name
    [InlineData("nqn.2014-08.org.nvmexpress.discovery")]
    public void Accepts_what_the_kernel_accepts(string text)
    {
        var nqn = Nqn.Parse(text);
        Assert.Equal(text, nqn.Value);
        Assert.Equal(text, nqn.ToString());
    }

    [Fact]
    public void Length_limit_is_the_kernels_222_bytes()
    {
        string ok = "nqn.2024-01.com.example:" + new string('a', Nqn.MaxBytes - 24);
        Assert.Equal(222, ok.Length);
        Assert.Equal(ok, Nqn.Parse(ok).Value);
        var e = Assert.Throws<InvalidInputException>(() => Nqn.Parse(ok + "a"));
        Assert.Contains("223 bytes", e.Message);
        Assert.Equal("nqn", e.KeyPath);
    }

    [Fact]
    public void Length_is_counted_in_utf8_bytes()
    {
        string text = "nqn.2024-01.com.example:" + new string('é', 100); // 24 + 200 bytes
        Assert.False(Nqn.TryParse(text, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nqn.x,transport=loop")]
    [InlineData("nqn.x=y")]
    [InlineData("nqn.x\nhostnqn=y")]
    [InlineData("nqn.x\0")]
    [InlineData("nqn.x y")]
    [InlineData(" nqn.x")]
    [InlineData("nqn.x\t")]
    [InlineData("nqn.x\u00a0")]
    public void Refuses_empty_and_injection(string text)
    {
        Assert.False(Nqn.TryParse(text, out _));
        Assert.Throws<InvalidInputException>(() => Nqn.Parse(text));
    }

    [Fact]
    public void Error_quotes_the_value_with_control_characters_escaped()
    {
        var e = Assert.Throws<InvalidInputException>(() => Nqn.Parse("a\nb"));
        Assert.Contains("\"a\\nb\"", e.Message);
        Assert.Contains("newline", e.Message);
    }

    [Fact]
    public void Uuid_form_round_trips_and_exposes_its_uuid()
    {
        var uuid = NvmeUuid.Parse("0F01FB42-9F7F-4856-B0B3-51E60B8DE349");
        var nqn = Nqn.FromUuid(uuid);
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:0f01fb42-9f7f-4856-b0b3-51e60b8de349", nqn.Value);
        Assert.Equal(uuid, nqn.UuidPart);
        Assert.True(nqn.IsNvmeFormat);
        Assert.Null(Nqn.Parse("nqn.2024-01.com.example:x").UuidPart);
    }

    [Theory]
    [InlineData("nqn.2024-01.com.example:storage-1", true)]
    [InlineData("nqn.2014-08.org.nvmexpress.discovery", true)]
    [InlineData("nqn.2024-13.com.example:x", false)]
    [InlineData("nqn.24-01.com.example:x", false)]
    [InlineData("blktests-subsystem-1", false)]
    public void Nvme_format_is_reported_not_required(string text, bool wellFormed) =>
        Assert.Equal(wellFormed, Nqn.Parse(text).IsNvmeFormat);

    [Fact]
    public void Compared_ordinally()
    {
        Assert.Equal(Nqn.Parse("nqn.a"), Nqn.Parse("nqn.a"));
        Assert.NotEqual(Nqn.Parse("nqn.a"), Nqn.Parse("NQN.A"));
        Assert.True(Nqn.Discovery.IsDiscovery);
    }
}
