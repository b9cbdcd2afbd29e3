using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

public sealed class MdLinksTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static readonly MdArrayName Name = MdArrayName.Parse("vol1");
    private static readonly MdDeviceName Md127 = MdDeviceName.Parse("md127");
    private static readonly MdDeviceName Md126 = MdDeviceName.Parse("md126");

    [Fact]
    public void The_link_is_relative_and_removed_only_for_its_own_device()
    {
        var links = new MdLinks(_tree.MdPaths);
        string link = links.Create(Name, Md127);
        Assert.Equal("../md127", new FileInfo(link).LinkTarget);
        Assert.Equal(Md127, links.Target(Name));
        links.Remove(Name, Md126);
        Assert.Equal(Md127, links.Target(Name));
        links.Remove(Name, Md127);
        Assert.Null(links.Target(Name));
    }

    [Fact]
    public void A_name_held_by_a_live_array_is_not_available_but_a_dangling_one_is()
    {
        var links = new MdLinks(_tree.MdPaths);
        links.Create(Name, Md126);
        _tree.Md("md126", ("array_state", "clean"));
        Assert.False(links.IsAvailable(Name, Md127));
        Assert.True(links.IsAvailable(Name, Md126));
        Directory.Delete(Path.Combine(_tree.Paths.Sys, "block", "md126"), recursive: true);
        Assert.True(links.IsAvailable(Name, Md127));
        links.Create(Name, Md127);
        Assert.Equal(Md127, links.Target(Name));
    }

    [Fact]
    public void RemoveAll_removes_every_link_to_the_device()
    {
        var links = new MdLinks(_tree.MdPaths);
        links.Create(Name, Md127);
        links.Create(MdArrayName.Parse("alias"), Md127);
        links.Create(MdArrayName.Parse("keep"), Md126);
        links.RemoveAll(Md127);
        Assert.Equal(["keep"], Directory.GetFileSystemEntries(Path.Combine(_tree.Paths.Dev, "md")).Select(Path.GetFileName));
    }
}
