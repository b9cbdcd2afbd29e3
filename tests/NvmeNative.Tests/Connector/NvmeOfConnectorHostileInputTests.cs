using System.Diagnostics;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.ReplicaState;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;
using static NvmeNative.Tests.Errors.LibraryExceptions;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// Every public entry point of the connector with bad and hostile input and hostile host state (a FIFO or a directory
/// where a device or a lock should be, a record that is not JSON, a lock directory that is a file): only the
/// exception family, cancellations and argument exceptions for programming errors leave it, and nothing blocks.
/// </summary>
public sealed class NvmeOfConnectorHostileInputTests : IDisposable
{
    private const string Nqn = "nqn.2024-01.com.example:vol";
    private const string Uuid = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";

    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private NvmeOfConnector Connector(IReplicaStateStore? store = null) => new(
        new NvmeOfConnectorOptions
        {
            Paths = _sys.Paths,
            DeviceTimeout = TimeSpan.FromMilliseconds(200),
            PathsTimeout = TimeSpan.FromMilliseconds(200),
            LockTimeout = TimeSpan.FromSeconds(2),
            ReplicaStateStore = store,
        },
        new SimulatedKernel(_sys),
        () => new FakeUeventSource());

    private static ConnectionProperties Single() =>
        ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]}""");

    private static ConnectionProperties Replicated() => ConnectionProperties.Parse($$"""
        {"vol_uuid": "{{Uuid}}", "alias": "vol1", "replica_count": 2, "volume_replicas": [
          {"target_nqn": "{{Nqn}}a", "vol_uuid": "0f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [["127.0.0.1", 4420, "tcp"]]},
          {"target_nqn": "{{Nqn}}b", "vol_uuid": "1f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f", "portals": [["127.0.0.2", 4420, "tcp"]]}]}
        """);

    private string MakeFifo(string name)
    {
        string path = Path.Combine(_sys.Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        return path;
    }

    /// <summary>Runs the call on another thread and fails if it has not returned within 10 s (a hang is a failure, not a timeout of the suite).</summary>
    private static Exception? Bounded(Action call)
    {
        var task = Task.Run(() => Record.Exception(call));
        Assert.True(task.Wait(TimeSpan.FromSeconds(10)), "the call blocked");
        return task.Result;
    }

    public static TheoryData<string> HostileDevicePaths() =>
        ["fifo", "directory", "character device", "empty", "nul", "relative", "regular file"];

    [Theory]
    [MemberData(nameof(HostileDevicePaths))]
    public void Detach_with_a_device_path_that_is_no_block_device_fails_in_the_family_without_blocking(string kind)
    {
        string path = kind switch
        {
            "fifo" => MakeFifo("dev/fifo0"),
            "directory" => Directory.CreateDirectory(Path.Combine(_sys.Root, "dev", "dir0")).FullName,
            "character device" => "/dev/null",
            "empty" => "",
            "nul" => "/dev/nvme\0n1",
            "relative" => "nvme0n1",
            _ => WriteFile(Path.Combine(_sys.Root, "dev", "file0")),
        };
        var e = Bounded(() => Connector().Disconnect(Single(), path, cancellationToken: Ct));
        Assert.True(e is null or NvmeNativeException or ArgumentException, $"{e?.GetType().FullName} left the library: {e}");
    }

    private static string WriteFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "not a device");
        return path;
    }

    [Fact]
    public void A_lock_directory_that_is_a_file_fails_in_the_family()
    {
        Directory.CreateDirectory(_sys.Paths.Run);
        File.WriteAllText(Path.Combine(_sys.Paths.Run, "lock"), "");
        Rejected(() => Connector().Connect(Single(), Ct));
        Rejected(() => Connector().Disconnect(Single(), cancellationToken: Ct));
    }

    [Fact]
    public void A_lock_file_that_is_a_fifo_or_a_symlink_is_never_opened_through()
    {
        string lockDir = Path.Combine(_sys.Paths.Run, "lock", "nvmenative");
        Directory.CreateDirectory(lockDir);
        string target = Path.Combine(_sys.Root, "elsewhere");
        File.CreateSymbolicLink(Path.Combine(lockDir, "connect_volume.lock"), target);
        Assert.NotNull(Bounded(() => Connector().Disconnect(Single(), cancellationToken: Ct)));
        Assert.False(File.Exists(target), "the lock was created through a planted symlink");
    }

    [Fact]
    public void A_replica_state_record_that_is_garbage_or_a_fifo_fails_the_attach_in_the_family_without_blocking()
    {
        string dir = Path.Combine(_sys.Root, "var", "lib", "nvmenative", "replicas");
        var store = new FileReplicaStateStore(dir);
        var key = VolumeKey.Create("vol1", Replicated().Targets.Select(t => ReplicaIdentity.From(t.SubsystemNqn, t.NamespaceUuid, t.Nguid, t.NamespaceId)));
        // Let the store make its private directory, then put garbage where the record goes.
        Assert.Null(store.Read(key, Ct));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, key.Value + ".json"), "{ not json");
        var garbage = Bounded(() => Connector(store).Connect(Replicated(), Ct));
        Assert.True(garbage is NvmeNativeException, $"{garbage?.GetType().FullName}: {garbage}");

        File.Delete(Path.Combine(dir, key.Value + ".json"));
        MakeFifo(Path.GetRelativePath(_sys.Root, Path.Combine(dir, key.Value + ".json")));
        var fifo = Bounded(() => Connector(store).Connect(Replicated(), Ct));
        Assert.True(fifo is NvmeNativeException, $"{fifo?.GetType().FullName}: {fifo}");
    }

    [Fact]
    public void Every_entry_point_refuses_null_as_a_programming_error()
    {
        var connector = Connector();
        Assert.Throws<ArgumentNullException>(() => connector.Connect(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => connector.Disconnect(null!, cancellationToken: Ct));
        Assert.Throws<ArgumentNullException>(() => connector.Extend(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => connector.GetVolumePaths(null!, cancellationToken: Ct));
    }

    [Fact]
    public void Extend_and_paths_of_a_volume_that_is_not_here_fail_or_answer_in_the_family()
    {
        var connector = Connector();
        Rejected(() => connector.Extend(Single(), Ct));
        Assert.Empty(connector.GetVolumePaths(Single(), cancellationToken: Ct));
        Assert.Empty(connector.GetVolumePaths(Replicated(), cancellationToken: Ct));
        WorksOrRejected(() => connector.Disconnect(Replicated(), cancellationToken: Ct));
    }

    [Fact]
    public void Connector_properties_on_a_host_with_hostile_identity_files_fail_in_the_family()
    {
        string etc = Path.Combine(_sys.Root, "etc", "nvme");
        Directory.CreateDirectory(etc);
        MakeFifo("etc/nvme/hostnqn");
        var e = Bounded(() => Connector().GetConnectorProperties());
        Assert.True(e is NvmeNativeException, $"{e?.GetType().FullName}: {e}");
    }
}
