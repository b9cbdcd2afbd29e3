using NvmeNative.Errors;
using NvmeNative.Fabrics;

namespace NvmeNative.Tests.Fabrics;

public sealed class DhchapSecretTests
{
    // Generated with `nvme gen-dhchap-key` (nvme-cli 2.3) for hash ids 00..03 and key lengths 32, 48, 64.
    internal const string None32 = "DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:";
    internal const string Sha256 = "DHHC-1:01:nbsZuegXcW+veF/CdJh72Zqel21Cgw6ELXv9VDhn6/k3Z0YE:";
    internal const string Sha384 = "DHHC-1:02:GOvFuteSTxVN+LfX/0vv7pfWfElC0HtyugjCz4LKir5chDGFCVsw8jOyn4PfIcI3mjaBUg==:";
    internal const string Sha512 = "DHHC-1:03:LWSLBnH/bfZYKD6Kt8nQUpes+24yrHIupKks92Q8APqiKI82EWDg0EM7a08EG+o0NcGn1jnjHCivTf87UU9P5I1kV6w=:";
    internal const string None48 = "DHHC-1:00:GTqJgYvsDb5Wd3BYFf127/t5S5C7i7FRz+brfdqYiYjRzfI3Ao8YhVlMax2GPOggrBS5Vw==:";

    [Theory]
    [InlineData(None32, DhchapHash.None, 32)]
    [InlineData(Sha256, DhchapHash.Sha256, 32)]
    [InlineData(Sha384, DhchapHash.Sha384, 48)]
    [InlineData(Sha512, DhchapHash.Sha512, 64)]
    [InlineData(None48, DhchapHash.None, 48)]
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI", DhchapHash.None, 32)] // the kernel takes it without the final ':'
    public void Accepts_nvme_cli_secrets(string text, DhchapHash hash, int keyLength)
    {
        var secret = DhchapSecret.Parse(text);
        Assert.Equal(hash, secret.Hash);
        Assert.Equal(keyLength, secret.KeyLength);
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(secret.Utf8));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("DHHC-2:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:", "starts with")]
    [InlineData("dhhc-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:", "starts with")]
    [InlineData("DHHC-1:0:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:", "two-digit hash id")]
    [InlineData("DHHC-1:04:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:", "hash id 04")]
    [InlineData("DHHC-1:00:", "two-digit hash id")]
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaJ:", "CRC-32")] // last character changed
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TY:", "decodes to 33 bytes")]
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFa!:", "not base64")]
    [InlineData("DHHC-1:01:GTqJgYvsDb5Wd3BYFf127/t5S5C7i7FRz+brfdqYiYjRzfI3Ao8YhVlMax2GPOggrBS5Vw==:", "32-byte key, not 48")]
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:,tls", "','")]
    [InlineData("DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI\n:", "newline")]
    public void Refuses_malformed_secrets_without_quoting_them(string text, string reason)
    {
        Assert.False(DhchapSecret.TryParse(text, out _));
        var e = Assert.Throws<InvalidInputException>(() => DhchapSecret.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain("QVvKMb8706", e.Message);
        Assert.DoesNotContain("GTqJgYvsDb5", e.Message);
        Assert.Equal("dhchap_secret", e.KeyPath);
    }

    [Fact]
    public void ToString_never_shows_the_key()
    {
        var secret = DhchapSecret.Parse(Sha384);
        Assert.Equal("DHHC-1:02:***", secret.ToString());
        Assert.DoesNotContain("GOvFute", $"{secret}");
    }

    [Fact]
    public void Equality_is_by_value()
    {
        Assert.Equal(DhchapSecret.Parse(Sha256), DhchapSecret.Parse(Sha256));
        Assert.NotEqual(DhchapSecret.Parse(Sha256), DhchapSecret.Parse(None32));
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8)); // the CRC-32/ISO-HDLC check value
}
