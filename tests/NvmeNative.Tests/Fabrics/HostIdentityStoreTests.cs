using NvmeNative.Errors;
using NvmeNative.Fabrics;

namespace NvmeNative.Tests.Fabrics;

#pragma warning disable CA1416 // Unix file modes: Linux-only library

public sealed class HostIdentityStoreTests : IDisposable
{
    private const string Dmi = "4C4C4544-0035-5910-8036-B4C04F4E3632";
    private const string DmiLower = "4c4c4544-0035-5910-8036-b4c04f4e3632";
    private readonly FakeKernelTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private const string NqnFile = "etc/nvme/hostnqn";
    private const string IdFile = "etc/nvme/hostid";
    private const string DmiFile = "sys/class/dmi/id/product_uuid";

    [Fact]
    public void Existing_files_are_used_as_they_are()
    {
        _tree.File(NqnFile, "nqn.2014-08.org.nvmexpress:uuid:beaae2de-3a97-4be1-a739-6ac4bc5bf138\n");
        _tree.File(IdFile, "  9126E942-396D-11E7-B0B7-A81E84C186D1 \n");
        _tree.File(DmiFile, Dmi + "\n");
        var id = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:beaae2de-3a97-4be1-a739-6ac4bc5bf138", id.HostNqn.Value);
        Assert.Equal("9126e942-396d-11e7-b0b7-a81e84c186d1", id.HostId.ToString());
        Assert.False(id.IsConsistent); // allowed (libnvme only warns), but reported
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:beaae2de-3a97-4be1-a739-6ac4bc5bf138\n", _tree.Read(NqnFile)); // untouched
        Assert.Equal(id, HostIdentityStore.TryLoad(_tree.Paths));
    }

    [Fact]
    public void Fresh_host_with_dmi_uuid_persists_it_once()
    {
        _tree.File(DmiFile, Dmi + "\n");
        var first = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal(DmiLower, first.HostId.ToString());
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:" + DmiLower, first.HostNqn.Value);
        Assert.True(first.IsConsistent);
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:" + DmiLower + "\n", _tree.Read(NqnFile));
        Assert.Equal(DmiLower + "\n", _tree.Read(IdFile));
        var mode = File.GetUnixFileMode(Path.Combine(_tree.Root, NqnFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, mode);

        _tree.File(DmiFile, "11111111-2222-3333-4444-555555555555\n"); // the files win from now on
        Assert.Equal(first, HostIdentityStore.LoadOrCreate(_tree.Paths));
        Assert.Empty(Directory.GetFiles(Path.Combine(_tree.Root, "etc/nvme"), "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(_tree.Root, "etc/nvme"), ".*"));
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000\n")] // QEMU without -uuid
    [InlineData("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n")]
    [InlineData("4C4C454400355910 8036B4C04F4E3632\n")]
    [InlineData("4C4C454400355910-8036-B4C04F4E3632\n")]
    [InlineData("Not Settable\n")]
    [InlineData("")]
    [InlineData(null)]
    public void Unusable_dmi_uuid_gives_a_random_one_that_persists(string? dmi)
    {
        if (dmi is not null)
            _tree.File(DmiFile, dmi);
        Assert.Null(HostIdentityStore.ReadSystemUuid(_tree.Paths));
        var first = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.False(first.HostId.IsZero);
        Assert.NotEqual(Guid.AllBitsSet, first.HostId.Value);
        Assert.True(first.IsConsistent);
        Assert.Equal(first, HostIdentityStore.LoadOrCreate(_tree.Paths));
        Assert.Equal(first, HostIdentityStore.LoadOrCreate(_tree.Paths));
    }

    [Fact]
    public void Missing_hostid_comes_from_a_uuid_hostnqn()
    {
        _tree.File(NqnFile, "nqn.2014-08.org.nvmexpress:uuid:beaae2de-3a97-4be1-a739-6ac4bc5bf138");
        _tree.File(DmiFile, Dmi);
        var id = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal("beaae2de-3a97-4be1-a739-6ac4bc5bf138", id.HostId.ToString());
        Assert.Equal("beaae2de-3a97-4be1-a739-6ac4bc5bf138\n", _tree.Read(IdFile));
    }

    [Fact]
    public void Missing_hostid_with_a_named_hostnqn_comes_from_dmi()
    {
        _tree.File(NqnFile, "nqn.2024-01.com.example:host-1\n");
        _tree.File(DmiFile, Dmi);
        var id = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal("nqn.2024-01.com.example:host-1", id.HostNqn.Value);
        Assert.Equal(DmiLower, id.HostId.ToString());
    }

    [Fact]
    public void Missing_hostnqn_is_derived_from_the_hostid()
    {
        _tree.File(IdFile, "9126e942-396d-11e7-b0b7-a81e84c186d1\n");
        _tree.File(DmiFile, Dmi);
        var id = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:9126e942-396d-11e7-b0b7-a81e84c186d1", id.HostNqn.Value);
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:9126e942-396d-11e7-b0b7-a81e84c186d1\n", _tree.Read(NqnFile));
    }

    [Fact]
    public void Blank_files_count_as_missing_and_are_replaced()
    {
        _tree.File(NqnFile, "\n");
        _tree.File(IdFile, "");
        _tree.File(DmiFile, Dmi);
        var id = HostIdentityStore.LoadOrCreate(_tree.Paths);
        Assert.Equal(DmiLower, id.HostId.ToString());
        Assert.Equal(DmiLower + "\n", _tree.Read(IdFile));
        Assert.Equal("nqn.2014-08.org.nvmexpress:uuid:" + DmiLower + "\n", _tree.Read(NqnFile));
    }

    [Theory]
    [InlineData(NqnFile, "nqn.bad name\n", "hostnqn")]
    [InlineData(NqnFile, "nqn.x,transport=loop\n", "hostnqn")]
    [InlineData(IdFile, "not-a-uuid\n", "hostid")]
    public void Invalid_files_are_errors_and_are_never_overwritten(string file, string content, string keyPath)
    {
        _tree.File(file, content);
        var e = Assert.Throws<InvalidInputException>(() => HostIdentityStore.LoadOrCreate(_tree.Paths));
        Assert.Equal(keyPath, e.KeyPath);
        Assert.Equal(Path.Combine(_tree.Root, file), e.Path);
        Assert.Contains("fix or remove the file", e.Message);
        Assert.Equal(content, _tree.Read(file));
    }

    [Fact]
    public void Try_load_creates_nothing()
    {
        Assert.Null(HostIdentityStore.TryLoad(_tree.Paths));
        _tree.File(IdFile, DmiLower);
        Assert.Null(HostIdentityStore.TryLoad(_tree.Paths));
        Assert.False(_tree.Exists(NqnFile));
    }

    [Fact]
    public void Concurrent_first_runs_agree_on_one_identity()
    {
        // No DMI: every racer picks its own random UUID; the atomic publish must make them all read the winner's.
        for (int round = 0; round < 20; round++)
        {
            using var tree = new FakeKernelTree();
            var results = new HostIdentity[8];
            using var start = new Barrier(results.Length);
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length }, i =>
            {
                start.SignalAndWait();
                results[i] = HostIdentityStore.LoadOrCreate(tree.Paths);
            });
            Assert.All(results, r => Assert.Equal(results[0], r));
            Assert.Equal(results[0].HostId + "\n", tree.Read(IdFile));
        }
    }
}
