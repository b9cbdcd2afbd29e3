using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdSizePolicyTests
{
    [Fact]
    public void Sizes_within_one_percent_pass_and_larger_differences_are_refused_with_numbers()
    {
        var policy = MdSizePolicy.Default;
        Assert.Null(policy.Check([("/dev/a", 100L << 20), ("/dev/b", (100L << 20) + (1 << 20))]));
        string? problem = policy.Check([("/dev/a", 100L << 20), ("/dev/b", 110L << 20)]);
        Assert.NotNull(problem);
        Assert.Contains("10 %", problem);
        Assert.Null((policy with { MaxDifferencePercent = 20 }).Check([("/dev/a", 100L << 20), ("/dev/b", 110L << 20)]));
    }

    [Fact]
    public void Members_below_the_minimum_are_refused() =>
        Assert.Contains("/dev/tiny", MdSizePolicy.Default.Check([("/dev/tiny", 1 << 20), ("/dev/b", 1 << 20)]));
}
