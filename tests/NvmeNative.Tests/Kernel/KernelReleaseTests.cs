using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

public sealed class KernelReleaseTests
{
    [Theory]
    [InlineData("5.10.0-46-amd64", 5, 10)]
    [InlineData("6.12.118+deb12-amd64", 6, 12)]
    [InlineData("7.2.13+deb14-amd64", 7, 2)]
    [InlineData("6.1", 6, 1)]
    [InlineData("5.15.0-100-generic", 5, 15)]
    public void The_version_is_the_releases_first_two_numbers(string text, int major, int minor)
    {
        var release = KernelRelease.Parse(text);
        Assert.Equal((text, major, minor), (release.Text, release.Major, release.Minor));
        Assert.True(release.IsAtLeast(major, minor));
        Assert.False(release.IsAtLeast(major, minor + 1));
        Assert.True(release.IsAtLeast(major - 1, 99));
        Assert.False(release.IsAtLeast(major + 1, 0));
        Assert.Equal(text, release.ToString());
    }

    [Theory]
    [InlineData("5.10.0-46-amd64", "5.11", false)]
    [InlineData("5.10.0-46-amd64", "5.10", true)]
    [InlineData("5.10.0-46-amd64", "4.8", true)]
    [InlineData("6.1.0-57-amd64", "5.18", true)]
    [InlineData("5.4.0", "5.14", false)]
    public void A_release_is_compared_with_a_versions_text(string text, string version, bool atLeast) =>
        Assert.Equal(atLeast, KernelRelease.Parse(text).IsAtLeast(version));

    [Theory]
    [InlineData("")]
    [InlineData("custom")]
    [InlineData("6.")]
    [InlineData(".1")]
    public void An_unreadable_version_counts_as_a_current_kernel(string text)
    {
        var release = KernelRelease.Parse(text);
        Assert.Equal(text, release.Text);
        Assert.True(release.IsAtLeast(99, 0));
    }

    [Fact]
    public void The_running_release_is_read_from_procfs_and_a_missing_file_is_unknown()
    {
        var root = Directory.CreateTempSubdirectory("nvmenative-release-");
        try
        {
            var paths = KernelPaths.UnderRoot(root.FullName);
            Assert.Same(KernelRelease.Unknown, KernelRelease.Read(paths));
            Directory.CreateDirectory(Path.Combine(root.FullName, "proc/sys/kernel"));
            File.WriteAllText(Path.Combine(root.FullName, "proc/sys/kernel/osrelease"), "5.10.0-46-amd64\n");
            Assert.Equal(new KernelRelease("5.10.0-46-amd64", 5, 10), KernelRelease.Read(paths));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
