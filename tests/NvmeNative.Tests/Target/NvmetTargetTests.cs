using System.Net;
using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.Target;

namespace NvmeNative.Tests.Target;

/// <summary>The rig against an emulated configfs: what it writes, in which order, and what it removes.</summary>
public sealed class NvmetTargetTests : IDisposable
{
    private const string Nqn = "nqn.2014-08.org.nvmenative:test-unit";
    private const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:0f01fb42-9f7f-4856-b0b3-51e60b8de349";
    private static readonly Guid Uuid = Guid.Parse("91fdba0d-f87b-4c25-b80f-db7be1418b9e");
    private static readonly Guid Nguid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    private readonly FakeConfigFs _fs = new();

    public void Dispose() => _fs.Dispose();

    private NvmetTarget NewRig() => new(_fs.Paths, _fs);

    [Fact]
    public void A_full_rig_is_written_in_configfs_order_and_disposed_in_reverse_dependency_order()
    {
        var before = _fs.Snapshot();
        string file = Path.Combine(_fs.Files, "ns1.img");
        using (var rig = NewRig())
        {
            var subsystem = rig.CreateSubsystem(Nqn, new SubsystemOptions { Serial = "NN0001", Model = "NvmeNative rig" });
            var ns = subsystem.AddFileNamespace(file, 1 << 20, new NamespaceOptions { Nsid = 3, Uuid = Uuid, Nguid = Nguid });
            var port = rig.CreateTcpPort(IPAddress.Parse("127.0.0.2"), 4420);
            port.Link(subsystem);
            subsystem.AllowHost(HostNqn);

            Assert.Equal(
            [
                $"mkdir subsystems/{Nqn}",
                $"write subsystems/{Nqn}/attr_allow_any_host=1",
                $"write subsystems/{Nqn}/attr_serial=NN0001",
                $"write subsystems/{Nqn}/attr_model=NvmeNative rig",
                $"mkdir subsystems/{Nqn}/namespaces/3",
                $"write subsystems/{Nqn}/namespaces/3/device_path={file}",
                $"write subsystems/{Nqn}/namespaces/3/device_uuid={Uuid}",
                $"write subsystems/{Nqn}/namespaces/3/device_nguid={Nguid}",
                $"write subsystems/{Nqn}/namespaces/3/buffered_io=1",
                $"write subsystems/{Nqn}/namespaces/3/enable=1",
                $"mkdir ports/{NvmetNames.AutoPortIdFirst}",
                $"write ports/{NvmetNames.AutoPortIdFirst}/addr_trtype=tcp",
                $"write ports/{NvmetNames.AutoPortIdFirst}/addr_adrfam=ipv4",
                $"write ports/{NvmetNames.AutoPortIdFirst}/addr_traddr=127.0.0.2",
                $"write ports/{NvmetNames.AutoPortIdFirst}/addr_trsvcid=4420",
                $"symlink ports/{NvmetNames.AutoPortIdFirst}/subsystems/{Nqn} -> subsystems/{Nqn}",
                $"mkdir hosts/{HostNqn}",
                $"write subsystems/{Nqn}/attr_allow_any_host=0",
                $"symlink subsystems/{Nqn}/allowed_hosts/{HostNqn} -> hosts/{HostNqn}",
            ], _fs.Log);
            Assert.Equal((3u, Uuid, Nguid, true), (ns.Nsid, ns.Uuid, ns.Nguid, ns.IsEnabled));
            Assert.True(ns.CreatedBackingFile);
            Assert.Equal(1 << 20, new FileInfo(file).Length);
            Assert.True(port.IsLinked(subsystem));
            Assert.Equal([HostNqn], subsystem.AllowedHosts);
            _fs.Log.Clear();
        }
        Assert.Equal(
        [
            $"unlink ports/{NvmetNames.AutoPortIdFirst}/subsystems/{Nqn}",
            $"unlink subsystems/{Nqn}/allowed_hosts/{HostNqn}",
            $"write subsystems/{Nqn}/namespaces/3/enable=0",
            $"rmdir subsystems/{Nqn}/namespaces/3",
            $"rmdir subsystems/{Nqn}",
            $"rmdir ports/{NvmetNames.AutoPortIdFirst}",
            $"rmdir hosts/{HostNqn}",
        ], _fs.Log);
        Assert.Equal(before, _fs.Snapshot());
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_failed_enable_rolls_back_its_namespace_and_file_and_says_buffered_io_is_needed()
    {
        _fs.FilesNeedBufferedIo = true;
        using var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        string file = Path.Combine(_fs.Files, "tmpfs.img");
        var e = Assert.Throws<NvmeNativeException>(() =>
            subsystem.AddFileNamespace(file, 1 << 20, new NamespaceOptions { BufferedIo = false }));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.EndsWith("namespaces/1/enable", e.Path);
        Assert.Contains("BufferedIo = true", e.Message);
        Assert.False(Directory.Exists(_fs.Abs($"subsystems/{Nqn}/namespaces/1")));
        Assert.False(File.Exists(file));
        Assert.Empty(subsystem.Namespaces);
        Assert.True(Directory.Exists(subsystem.ConfigPath)); // only what the failed call made is undone

        var ok = subsystem.AddFileNamespace(file, 1 << 20); // default: buffered I/O for files
        Assert.True(ok.BufferedIo);
        Assert.True(ok.IsEnabled);
    }

    [Fact]
    public void An_exception_mid_setup_still_leaves_configfs_as_it_was_after_dispose()
    {
        var before = _fs.Snapshot();
        _fs.Fail("write", $"ports/{NvmetNames.AutoPortIdFirst + 1}/addr_traddr", Errno.EINVAL);
        var e = Assert.Throws<NvmeNativeException>(() =>
        {
            using var rig = NewRig();
            var subsystem = rig.CreateSubsystem(Nqn);
            subsystem.AddFileNamespace(1 << 20, directory: _fs.Files);
            rig.CreateTcpPort(IPAddress.Loopback, 4420).Link(subsystem);
            rig.CreateTcpPort(IPAddress.Parse("127.0.0.3"), 4420); // fails: its own mkdir is rolled back
        });
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("addr_traddr", e.Message);
        Assert.Equal(before, _fs.Snapshot());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_fs.Files));
    }

    [Fact]
    public void Cleanup_tolerates_objects_that_are_already_gone()
    {
        var before = _fs.Snapshot();
        var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        var ns = subsystem.AddFileNamespace(1 << 20, directory: _fs.Files);
        var port = rig.CreateTcpPort(IPAddress.Loopback, 4420);
        port.Link(subsystem);
        subsystem.AllowHost(HostNqn);
        // Someone else tore parts down behind the rig's back.
        File.Delete(_fs.Abs($"ports/{port.PortId}/subsystems/{Nqn}"));
        File.Delete(_fs.Abs($"subsystems/{Nqn}/allowed_hosts/{HostNqn}"));
        Directory.Delete(ns.ConfigPath, recursive: true);
        File.Delete(ns.DevicePath);

        rig.Dispose();
        rig.Dispose(); // idempotent
        Assert.Equal(before, _fs.Snapshot());
        Assert.Throws<ObjectDisposedException>(() => rig.CreateSubsystem(Nqn));
    }

    [Fact]
    public void A_removal_that_fails_is_reported_after_everything_else_was_removed()
    {
        var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        subsystem.AddFileNamespace(1 << 20, directory: _fs.Files);
        var port = rig.CreateTcpPort(IPAddress.Loopback, 4420);
        port.Link(subsystem);
        _fs.Fail("rmdir", $"subsystems/{Nqn}", Errno.EBUSY);

        var e = Assert.Throws<NvmetCleanupException>(rig.Dispose);
        var failure = Assert.Single(e.Failures);
        Assert.Equal(Errno.EBUSY, failure.Errno);
        Assert.Equal(subsystem.ConfigPath, failure.Path);
        Assert.Contains(subsystem.ConfigPath, e.Message);
        Assert.False(Directory.Exists(port.ConfigPath)); // later steps still ran
        Assert.Empty(Directory.EnumerateFileSystemEntries(_fs.Files));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nqn.2014-08.org.example:a,b")]
    [InlineData("nqn.2014-08.org.example:a/b")]
    [InlineData("nqn.2014-08.org.example:a b")]
    [InlineData("..")]
    [InlineData(NvmetNames.DiscoveryNqn)]
    public void Invalid_nqns_are_refused_before_configfs_is_touched(string nqn)
    {
        using var rig = NewRig();
        var e = Assert.Throws<NvmetConfigException>(() => rig.CreateSubsystem(nqn));
        Assert.Equal("nqn", e.Parameter);
        Assert.Empty(_fs.Log);
    }

    [Fact]
    public void Nqn_length_limit_is_the_hosts_222_bytes()
    {
        string prefix = "nqn.2014-08.org.example:";
        Assert.True(NvmetNames.IsValidNqn(prefix + new string('x', 222 - prefix.Length)));
        Assert.False(NvmetNames.IsValidNqn(prefix + new string('x', 223 - prefix.Length)));
        Assert.False(NvmetNames.IsValidNqn(prefix + new string('é', 100))); // 200 chars of 2 bytes each
        Assert.True(NvmetNames.IsValidNqn("blktests-subsystem-1")); // nvmet takes any name; so do we
    }

    [Fact]
    public void Test_nqns_carry_the_sweep_prefix_and_are_unique()
    {
        string a = NvmetNames.NewTestNqn("leg");
        string b = NvmetNames.NewTestNqn("leg");
        Assert.StartsWith(NvmetNames.TestNqnPrefix + "leg-", a);
        Assert.NotEqual(a, b);
        Assert.Throws<NvmetConfigException>(() => NvmetNames.NewTestNqn("a,b"));
    }

    [Fact]
    public void Invalid_namespace_and_port_arguments_are_refused_before_configfs_is_touched()
    {
        using var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        _fs.Log.Clear();
        string file = Path.Combine(_fs.Files, "x.img");
        Assert.Equal("sizeBytes", Assert.Throws<NvmetConfigException>(() => subsystem.AddFileNamespace(file, 1000)).Parameter);
        Assert.Equal("sizeBytes", Assert.Throws<NvmetConfigException>(() => subsystem.AddFileNamespace(file, 0)).Parameter);
        Assert.Equal("devicePath", Assert.Throws<NvmetConfigException>(() => subsystem.AddFileNamespace("rel.img", 4096)).Parameter);
        Assert.Equal("Nsid", Assert.Throws<NvmetConfigException>(() => subsystem.AddFileNamespace(file, 4096, new NamespaceOptions { Nsid = 0 })).Parameter);
        Assert.Equal("trsvcid", Assert.Throws<NvmetConfigException>(() => rig.CreateTcpPort(IPAddress.Loopback, 70000)).Parameter);
        Assert.Equal("Serial", Assert.Throws<NvmetConfigException>(() => rig.CreateSubsystem(Nqn + "2", new SubsystemOptions { Serial = new string('1', 21) })).Parameter);
        Assert.Empty(_fs.Log);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_serial_nvmet_before_5_14_refuses_is_explained_and_the_subsystem_undone()
    {
        // 5.10's attr_serial is a hexadecimal number: "NN0042" is EINVAL there.
        var before = _fs.Snapshot();
        _fs.Fail("write", $"subsystems/{Nqn}/attr_serial", Errno.EINVAL);
        using var rig = NewRig();
        var e = Assert.Throws<NvmeNativeException>(() => rig.CreateSubsystem(Nqn, new SubsystemOptions { Serial = "NN0042" }));
        Assert.Contains("hexadecimal", e.Message);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(before, _fs.Snapshot());
    }

    [Fact]
    public void Someone_elses_subsystem_is_refused_and_left_alone()
    {
        Directory.CreateDirectory(_fs.Abs($"subsystems/{Nqn}"));
        using (var rig = NewRig())
        {
            var e = Assert.Throws<NvmeNativeException>(() => rig.CreateSubsystem(Nqn));
            Assert.Equal(Errno.EEXIST, e.Errno);
            Assert.Contains("not created by this rig", e.Message);
        }
        Assert.True(Directory.Exists(_fs.Abs($"subsystems/{Nqn}")));
    }

    [Fact]
    public void Port_ids_and_nsids_are_picked_free_and_explicit_ones_must_be_free()
    {
        Directory.CreateDirectory(_fs.Abs($"ports/{NvmetNames.AutoPortIdFirst}"));
        using var rig = NewRig();
        var port = rig.CreateTcpPort(IPAddress.Loopback, 4420);
        Assert.Equal(NvmetNames.AutoPortIdFirst + 1, port.PortId);
        Assert.Equal(Errno.EEXIST, Assert.Throws<NvmeNativeException>(() => rig.CreateTcpPort(IPAddress.Loopback, 4421, port.PortId)).Errno);
        Assert.Equal(7, rig.CreateTcpPort(IPAddress.Loopback, 4422, 7).PortId);

        var subsystem = rig.CreateSubsystem(Nqn);
        var ns2 = subsystem.AddFileNamespace(4096, new NamespaceOptions { Nsid = 2 }, _fs.Files);
        Assert.Equal(1u, subsystem.AddFileNamespace(4096, directory: _fs.Files).Nsid);
        Assert.Equal(3u, subsystem.AddFileNamespace(4096, directory: _fs.Files).Nsid);
        var e = Assert.Throws<NvmeNativeException>(() => subsystem.AddFileNamespace(4096, new NamespaceOptions { Nsid = 2 }, _fs.Files));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal(3, Directory.EnumerateFiles(_fs.Files).Count()); // the refused one's file was not kept
        Assert.Equal(2u, ns2.Nsid);
    }

    [Fact]
    public void Ipv6_ports_say_so()
    {
        using var rig = NewRig();
        var port = rig.CreateTcpPort(IPAddress.IPv6Loopback, 4420);
        Assert.Equal("ipv6", _fs.Attribute($"ports/{port.PortId}/addr_adrfam"));
        Assert.Equal("::1", _fs.Attribute($"ports/{port.PortId}/addr_traddr"));
    }

    [Fact]
    public void Unlink_and_relink_are_the_dead_replica_fault_and_its_heal()
    {
        using var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        var port = rig.CreateTcpPort(IPAddress.Loopback, 4420);
        port.Link(subsystem);
        port.Link(subsystem); // idempotent
        port.Unlink(subsystem);
        Assert.False(port.IsLinked(subsystem));
        Assert.Empty(port.LinkedSubsystems);
        port.Unlink(subsystem); // idempotent
        port.Link(subsystem);
        Assert.True(port.IsLinked(subsystem));
        Assert.Equal([subsystem], port.LinkedSubsystems);
    }

    [Fact]
    public void Disable_and_enable_a_namespace()
    {
        using var rig = NewRig();
        var ns = rig.CreateSubsystem(Nqn).AddFileNamespace(4096, directory: _fs.Files);
        ns.Disable();
        Assert.False(ns.IsEnabled);
        ns.Enable();
        Assert.True(ns.IsEnabled);
        var off = ns.Subsystem.AddFileNamespace(4096, new NamespaceOptions { Enable = false }, _fs.Files);
        Assert.False(off.IsEnabled);
    }

    [Fact]
    public void Resize_grows_the_file_and_revalidates_but_never_shrinks()
    {
        using var rig = NewRig();
        var ns = rig.CreateSubsystem(Nqn).AddFileNamespace(1 << 20, directory: _fs.Files);
        _fs.Log.Clear();
        ns.Resize(2 << 20);
        Assert.Equal(2 << 20, new FileInfo(ns.DevicePath).Length);
        Assert.Equal([$"write subsystems/{Nqn}/namespaces/1/revalidate_size=1"], _fs.Log);
        Assert.Throws<NvmetConfigException>(() => ns.Resize(1 << 20));
        Assert.Equal(2 << 20, new FileInfo(ns.DevicePath).Length);

        ns.Disable(); // nvmet refuses revalidate_size on a disabled namespace; enable reads the size
        _fs.Log.Clear();
        ns.Resize(3 << 20);
        Assert.Equal(3 << 20, new FileInfo(ns.DevicePath).Length);
        Assert.DoesNotContain(_fs.Log, l => l.StartsWith("write", StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_backing_file_is_used_but_not_deleted()
    {
        string file = Path.Combine(_fs.Files, "keep.img");
        File.WriteAllBytes(file, new byte[8192]);
        using (var rig = NewRig())
        {
            var ns = rig.CreateSubsystem(Nqn).AddFileNamespace(file, 4096);
            Assert.False(ns.CreatedBackingFile);
            Assert.Equal(8192, new FileInfo(file).Length);
        }
        Assert.True(File.Exists(file));
    }

    [Fact]
    public void Block_device_namespaces_keep_direct_io_unless_asked()
    {
        using var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        var ns = subsystem.AddBlockDeviceNamespace("/dev/loop7");
        Assert.False(ns.BufferedIo);
        Assert.False(ns.IsFileBacked);
        Assert.DoesNotContain(_fs.Log, l => l.Contains("buffered_io", StringComparison.Ordinal));
        Assert.Equal("/dev/loop7", _fs.Attribute($"subsystems/{Nqn}/namespaces/1/device_path"));
        Assert.Throws<NvmetConfigException>(() => ns.Resize(1 << 20));
    }

    [Fact]
    public void A_host_directory_that_existed_or_is_still_used_elsewhere_survives_dispose()
    {
        const string other = "nqn.2014-08.org.nvmenative:test-other";
        using var outer = NewRig();
        var keep = outer.CreateSubsystem(other);
        using (var rig = NewRig())
        {
            rig.CreateSubsystem(Nqn).AllowHost(HostNqn); // this rig creates hosts/HOSTNQN
            keep.AllowHost(HostNqn);                     // the outer rig shares it
        }
        Assert.True(Directory.Exists(_fs.Abs($"hosts/{HostNqn}")));
        Assert.Equal([HostNqn], keep.AllowedHosts);
    }

    [Fact]
    public void Allowing_a_host_that_fails_restores_allow_any_host_and_removes_the_host_it_made()
    {
        using var rig = NewRig();
        var subsystem = rig.CreateSubsystem(Nqn);
        _fs.Fail("symlink", $"subsystems/{Nqn}/allowed_hosts/{HostNqn}", Errno.ENOMEM);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<NvmeNativeException>(() => subsystem.AllowHost(HostNqn)).Errno);
        Assert.Equal("1", _fs.Attribute($"subsystems/{Nqn}/attr_allow_any_host"));
        Assert.False(Directory.Exists(_fs.Abs($"hosts/{HostNqn}")));
        Assert.Empty(subsystem.AllowedHosts);
    }

    [Fact]
    public void A_file_export_is_a_test_subsystem_with_one_namespace_linked_to_a_new_port()
    {
        var before = _fs.Snapshot();
        string file;
        using (var rig = NewRig())
        {
            var (subsystem, ns, port) = rig.CreateFileExport(1 << 20, new NamespaceOptions { Uuid = Uuid },
                IPAddress.Loopback, HostNqn, "demo");
            file = ns.DevicePath;
            Assert.StartsWith(NvmetNames.TestNqnPrefix + "demo-", subsystem.Nqn);
            Assert.Equal(Uuid, ns.Uuid);
            Assert.True(port.IsLinked(subsystem));
            Assert.InRange(port.TrSvcId, 1, 65535); // picked by the kernel
            Assert.Equal(port.TrSvcId.ToString(), _fs.Attribute($"ports/{port.PortId}/addr_trsvcid"));
            Assert.Equal("0", _fs.Attribute($"subsystems/{subsystem.Nqn}/attr_allow_any_host"));
            Assert.Equal([HostNqn], subsystem.AllowedHosts);
        }
        Assert.Equal(before, _fs.Snapshot());
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Objects_of_another_rig_are_refused()
    {
        using var a = NewRig();
        using var b = NewRig();
        var subsystem = a.CreateSubsystem(Nqn);
        var port = b.CreateTcpPort(IPAddress.Loopback, 4420);
        Assert.Throws<ArgumentException>(() => port.Link(subsystem));
    }
}
