using NvmeNative.Connector;
using NvmeNative.Nvme;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// The attach records (which namespaces this host attached, deciding which controllers a detach deletes) on a host that
/// never had any, and against a planted link: issue 15's "detach on a fresh host" and "run-state files" findings.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AttachRecordsTests : IDisposable
{
    private const string NqnText = "nqn.2024-01.com.example:vol";
    private const string Uuid = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";

    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    private string RecordDirectory => Path.Combine(_sys.Paths.Run, "nvmenative", "attached");

    [Fact]
    public void Detach_on_a_host_that_never_attached_through_NvmeNative_deletes_the_controllers_and_throws_nothing()
    {
        var kernel = new SimulatedKernel(_sys);
        int controller = kernel.ExistingController(0, NqnText, "127.0.0.1"); // made by nvme-cli, say
        _sys.Head(0, 1, 1, Uuid, null, [(controller, "optimized")]);
        Assert.False(Directory.Exists(Path.Combine(_sys.Paths.Run, "nvmenative")));
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { Paths = _sys.Paths, LockTimeout = TimeSpan.FromSeconds(2) }, kernel,
            () => new FakeUeventSource());
        var properties = ConnectionProperties.Parse($$"""{"target_nqn": "{{NqnText}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]}""");

        var detached = connector.Disconnect(properties, Path.Combine(_sys.Paths.Dev, "nvme0n1"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["nvme0"], detached.DeletedControllers);
        Assert.Empty(detached.Errors);
    }

    [Fact]
    public void Forgetting_a_record_on_a_host_without_records_is_not_an_error()
    {
        var records = new AttachRecords(_sys.Paths);
        records.Remove("nvme0n1");
        records.Remove("");
        records.Remove("..");
        Assert.False(records.Has("nvme0n1"));
    }

    [Fact]
    public void A_record_is_written_root_only_and_a_link_planted_at_its_name_is_replaced_never_followed()
    {
        var records = new AttachRecords(_sys.Paths);
        records.Add("nvme0n1", Nqn.Parse(NqnText));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(RecordDirectory));
        string record = Path.Combine(RecordDirectory, "nvme0n1");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record));

        string elsewhere = Path.Combine(_sys.Root, "elsewhere");
        File.WriteAllText(elsewhere, "untouched");
        File.Delete(record);
        File.CreateSymbolicLink(record, elsewhere);
        records.Add("nvme0n1", Nqn.Parse(NqnText));
        Assert.Equal("untouched", File.ReadAllText(elsewhere));
        Assert.Null(new FileInfo(record).LinkTarget);
        Assert.Equal(NqnText, File.ReadAllText(record));
        Assert.Empty(Directory.EnumerateFiles(RecordDirectory, ".*"));
    }

    [Fact]
    public void A_record_directory_others_may_write_is_refused()
    {
        Directory.CreateDirectory(RecordDirectory);
        File.SetUnixFileMode(RecordDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.Throws<NvmeNative.Errors.NvmeNativeException>(() => new AttachRecords(_sys.Paths).Add("nvme0n1", Nqn.Parse(NqnText)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(RecordDirectory));
    }
}
