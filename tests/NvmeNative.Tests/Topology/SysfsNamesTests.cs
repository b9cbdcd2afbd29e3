using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

public sealed class SysfsNamesTests
{
    [Theory]
    [InlineData("nvme0", true, 0)]
    [InlineData("nvme12", true, 12)]
    [InlineData("nvme0n1", false, 0)]
    [InlineData("nvme-fabrics", false, 0)]
    [InlineData("nvme", false, 0)]
    [InlineData("nvme+1", false, 0)]
    [InlineData("nvme-subsys0", false, 0)]
    public void Controllers(string name, bool ok, int instance)
    {
        Assert.Equal(ok, SysfsNames.TryController(name, out int i));
        Assert.Equal(instance, i);
    }

    [Theory]
    [InlineData("nvme0n1", true, 0, 1)]
    [InlineData("nvme10n22", true, 10, 22)]
    [InlineData("nvme0c0n1", false, 0, 0)]
    [InlineData("nvme0n1p1", false, 0, 0)]
    [InlineData("nvme0n", false, 0, 0)]
    public void Namespaces(string name, bool ok, int x, int y)
    {
        Assert.Equal(ok, SysfsNames.TryNamespace(name, out int a, out int b));
        Assert.Equal((x, y), ok ? (a, b) : (0, 0));
    }

    [Theory]
    [InlineData("nvme0c1n2", true, 0, 1, 2)]
    [InlineData("nvme3c10n1", true, 3, 10, 1)]
    [InlineData("nvme0n1", false, 0, 0, 0)]
    [InlineData("nvme0cn1", false, 0, 0, 0)]
    public void Paths(string name, bool ok, int s, int c, int h)
    {
        Assert.Equal(ok, SysfsNames.TryPath(name, out int a, out int b, out int d));
        Assert.Equal((s, c, h), ok ? (a, b, d) : (0, 0, 0));
    }

    [Fact]
    public void Subsystems()
    {
        Assert.True(SysfsNames.TrySubsystem("nvme-subsys7", out int s));
        Assert.Equal(7, s);
        Assert.False(SysfsNames.TrySubsystem("nvme-subsys", out _));
        Assert.False(SysfsNames.TrySubsystem("nvme7", out _));
    }
}
