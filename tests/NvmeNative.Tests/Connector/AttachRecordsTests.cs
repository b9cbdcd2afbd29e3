using NvmeNative.Connector;
using NvmeNative.Nvme;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// The attach records (which namespaces this host attached, deciding which controllers a detach deletes) on a host that
/// never had any, against a planted link (issue 15's "detach on a fresh host" and "run-state files" findings), and when
/// stale: left for a controller that is gone while the kernel gave its device name to another subsystem's namespace.
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

    private const string OtherNqn = "nqn.2024-01.com.example:another";

    [Fact]
    public void A_record_counts_only_while_its_device_belongs_to_the_subsystem_it_names()
    {
        _sys.Controller(0, NqnText, 0).Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        _sys.Controller(1, OtherNqn, null).Plain(1, "nvme1n1", 1, null, null);
        var records = new AttachRecords(_sys.Paths);
        records.Add("nvme0n1", Nqn.Parse(NqnText));
        records.Add("nvme1n1", Nqn.Parse(NqnText)); // the name was NqnText's once; it is OtherNqn's namespace now
        records.Add("nvme2n1", Nqn.Parse(NqnText)); // no such device any more

        Assert.True(records.Has("nvme0n1"));
        Assert.False(records.Has("nvme1n1"));
        Assert.False(records.Has("nvme2n1"));

        // The stale ones are gone, the live one is kept.
        Assert.Equal(["nvme0n1"], Directory.GetFiles(RecordDirectory).Select(Path.GetFileName));
        Assert.True(records.Has("nvme0n1"));
    }

    [Fact]
    public void A_stale_record_on_another_namespace_of_the_controller_does_not_keep_it_from_being_deleted()
    {
        // nvme0n2 is a namespace the target exports and nobody here uses; its name carries a record an attach of another
        // subsystem left when its controller went away without a detach.
        var detached = DetachWithASecondRecord(OtherNqn);
        Assert.Equal(["nvme0"], detached.DeletedControllers);
        Assert.Empty(detached.KeptControllers);
        Assert.Empty(Directory.GetFiles(RecordDirectory));
    }

    [Fact]
    public void A_record_of_the_same_subsystem_still_keeps_the_controller()
    {
        var detached = DetachWithASecondRecord(NqnText); // another volume of the same target, attached through NvmeNative
        Assert.Empty(detached.DeletedControllers);
        Assert.Equal(["nvme0"], detached.KeptControllers);
        Assert.Equal(["nvme0n2"], Directory.GetFiles(RecordDirectory).Select(Path.GetFileName));
    }

    /// <summary>
    /// Detaches the volume on nvme0n1 while the controller's other namespace, nvme0n2, carries an attach record that
    /// names <paramref name="secondRecordNqn"/>.
    /// </summary>
    private DetachedVolume DetachWithASecondRecord(string secondRecordNqn)
    {
        var kernel = new SimulatedKernel(_sys);
        int controller = kernel.ExistingController(0, NqnText, "127.0.0.1");
        _sys.Head(0, 1, 1, Uuid, null, [(controller, "optimized")]);
        _sys.Head(0, 2, 2, "5b1e5a0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", null, [(controller, "optimized")]);
        var records = new AttachRecords(_sys.Paths);
        records.Add("nvme0n1", Nqn.Parse(NqnText));
        records.Add("nvme0n2", Nqn.Parse(secondRecordNqn));
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { Paths = _sys.Paths, LockTimeout = TimeSpan.FromSeconds(2) }, kernel,
            () => new FakeUeventSource());
        var properties = ConnectionProperties.Parse($$"""{"target_nqn": "{{NqnText}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]}""");
        return connector.Disconnect(properties, cancellationToken: TestContext.Current.CancellationToken);
    }
}
