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

    [Fact]
    public async Task Re_pointing_a_link_replaces_it_atomically_a_reader_never_sees_it_missing_and_no_temporary_is_left()
    {
        var links = new MdLinks(_tree.MdPaths);
        string link = links.Create(Name, Md126);
        using var stop = new CancellationTokenSource();
        int missing = 0, seen = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // lstat only: the link dangles in the fake tree, which is what a re-point replaces.
                if (new FileInfo(link).LinkTarget is null)
                    Interlocked.Increment(ref missing);
                Interlocked.Increment(ref seen);
            }
        }, TestContext.Current.CancellationToken);
        for (int i = 0; i < 2000; i++)
            links.Create(Name, i % 2 == 0 ? Md127 : Md126);
        stop.Cancel();
        await reader;
        Assert.True(seen > 0);
        Assert.Equal(0, missing);
        Assert.Equal([Name.Value], Directory.GetFileSystemEntries(Path.GetDirectoryName(link)!).Select(Path.GetFileName));
        Assert.Equal("../md126", new FileInfo(link).LinkTarget); // the last of the 2000 re-points
    }

    [Fact]
    public void A_file_or_directory_where_the_link_goes_is_refused_not_replaced()
    {
        var links = new MdLinks(_tree.MdPaths);
        string link = links.Create(Name, Md126);
        File.Delete(link);
        File.WriteAllText(link, "not ours");
        var e = Assert.Throws<MdException>(() => links.Create(Name, Md127));
        Assert.Contains("not a symlink", e.Message);
        Assert.Equal("not ours", File.ReadAllText(link));
        File.Delete(link);
        Directory.CreateDirectory(link);
        Assert.Throws<MdException>(() => links.Create(Name, Md127));
        Assert.True(Directory.Exists(link));
    }

    [Fact]
    public void Temporaries_of_a_creator_that_died_are_removed_and_a_live_ones_kept()
    {
        var links = new MdLinks(_tree.MdPaths);
        string dir = Path.GetDirectoryName(links.Create(Name, Md126))!;
        string dead = Path.Combine(dir, $".{Name.Value}.999999.{Guid.NewGuid():N}{MdLinks.TempSuffix}");
        string live = Path.Combine(dir, $".{Name.Value}.4242.{Guid.NewGuid():N}{MdLinks.TempSuffix}");
        File.CreateSymbolicLink(dead, "../md127");
        File.CreateSymbolicLink(live, "../md127");
        Directory.CreateDirectory(Path.Combine(_tree.Paths.Proc, "4242"));
        Assert.Equal(1, links.RemoveTemporaries());
        Assert.False(Path.Exists(dead) || new FileInfo(dead).LinkTarget is not null);
        Assert.NotNull(new FileInfo(live).LinkTarget);
    }
}
