using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NvmeNative.KernelTests.Target;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>The nvmenative CLI as operators run it, against real targets, with nvme-cli as the oracle.</summary>
[Collection(NvmetCollection.Name)]
public sealed class CliKernelTests
{
    private static Process Start(string stdin, params string[] args) => CliProcess.Start(stdin, args);

    private static (int Exit, string Out, string Err) Finish(Process p) => CliProcess.Finish(p);

    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args) => CliProcess.Run(stdin, args);

    /// <summary>Starts two <c>attach -</c> processes at once; both must succeed. Returns their device paths and the first's JSON.</summary>
    private static (string First, string Second, JsonElement FirstJson) AttachFromTwoProcesses(string props)
    {
        var first = Start(props, "attach", "-");
        var second = Start(props, "attach", "-");
        var (exit1, out1, err1) = Finish(first);
        var (exit2, out2, err2) = Finish(second);
        Assert.True(exit1 == 0, err1);
        Assert.True(exit2 == 0, err2);
        var json = JsonDocument.Parse(out1).RootElement;
        return (json.GetProperty("path").GetString()!, JsonDocument.Parse(out2).RootElement.GetProperty("path").GetString()!, json);
    }

    [Fact]
    public void Concurrent_replicated_attach_from_two_processes_yields_one_array_of_both_replicas_and_detach_removes_it()
    {
        using var volume = new ReplicatedTestVolume("cli");

        var (path1, path2, _) = AttachFromTwoProcesses(volume.PropertiesJson);

        Assert.Equal(volume.Link, path1);
        Assert.Equal(path1, path2);
        Assert.Equal("2", NvmeNative.KernelTests.Md.MdLab.DetailExport(path1)["MD_DEVICES"]);
        Assert.Single(File.ReadAllText("/proc/mdstat").Split('\n'), l => l.Contains(" : active raid1", StringComparison.Ordinal) && l.Contains("nvme", StringComparison.Ordinal));
        var (pathsExit, pathsOut, _) = Run(volume.PropertiesJson, "paths", "-");
        Assert.Equal(0, pathsExit);
        Assert.Equal($"[\"{path1}\"]", pathsOut.Trim());

        var (detachExit, _, detachErr) = Run(volume.PropertiesJson, "detach", "-");
        Assert.True(detachExit == 0, detachErr);
        volume.AssertGone();
    }

    [Fact]
    public void Concurrent_attach_from_two_processes_yields_one_controller_and_the_same_path()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Requires.Tool("nvme");
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(16 << 20, new NamespaceOptions { Uuid = uuid });
        string props = $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{uuid}}", "portals": [["{{e.Port.TrAddr}}", "{{e.Port.TrSvcId}}", "tcp"]]}""";

        var (path1, path2, json1) = AttachFromTwoProcesses(props);
        Assert.Equal(path1, path2);
        Assert.Equal("block", json1.GetProperty("type").GetString());

        // The oracle and our list agree: one controller for this NQN.
        string listSubsys = Tools.Check("nvme", "list-subsys");
        var (listExit, listJson, _) = Run("", "list", "--json");
        Assert.Equal(0, listExit);
        var ours = JsonDocument.Parse(listJson).RootElement.GetProperty("subsystems").EnumerateArray()
            .Single(s => s.GetProperty("nqn").GetString() == e.Subsystem.Nqn);
        var controller = Assert.Single(ours.GetProperty("controllers").EnumerateArray());
        string name = controller.GetProperty("name").GetString()!;
        Assert.Contains(e.Subsystem.Nqn, listSubsys);
        Assert.Contains($" {name} tcp", listSubsys);
        Assert.Equal(path1, Assert.Single(ours.GetProperty("namespaces").EnumerateArray()).GetProperty("device").GetString());

        var (detachExit, detachOut, detachErr) = Run(props, "detach", "-");
        Assert.True(detachExit == 0, detachErr);
        Assert.Equal(name, JsonDocument.Parse(detachOut).RootElement.GetProperty("deleted_controllers")[0].GetString());
        Assert.DoesNotContain(e.Subsystem.Nqn, Tools.Check("nvme", "list-subsys"));
    }

    [Fact]
    public void Invalid_input_exits_2_with_one_line_and_changes_nothing()
    {
        Requires.NvmeFabrics();
        var (exit, output, err) = Run("""{"target_nqn": "nqn.x", "portals": [["127.0.0.1", "44x20", "tcp"]]}""", "attach", "-");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("portals[0][1]", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Connector_properties_report_the_host_identity()
    {
        Requires.NvmeFabrics();
        var (exit, output, err) = Run("", "connector-properties");
        Assert.True(exit == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(File.ReadAllText("/etc/nvme/hostnqn").Trim(), json.GetProperty("nqn").GetString());
        Assert.Equal(File.ReadAllText("/etc/nvme/hostid").Trim(), json.GetProperty("nvme_hostid").GetString());
        Assert.True(json.GetProperty("nvme_native_multipath").GetBoolean());
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_during_an_attach_rolls_it_back_and_exits_with_the_shells_code(string signal, int code)
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        var ct = TestContext.Current.CancellationToken;
        using var target = new NvmetTarget();
        var e = target.CreateFileExport(16 << 20, new NamespaceOptions { Uuid = Guid.NewGuid() });
        // Another namespace uuid than the target exports: the attach connects, then waits (30 s) for a namespace
        // that never comes; the signal lands in that wait, with a controller to roll back.
        string props = $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{Guid.NewGuid()}}", "portals": [["{{e.Port.TrAddr}}", "{{e.Port.TrSvcId}}", "tcp"]]}""";
        using var p = Start(props, "-v", "attach", "-");
        try
        {
            var output = p.StandardOutput.ReadToEndAsync(ct);
            string? line;
            do
                line = await p.StandardError.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(120), ct);
            while (line is not null && !line.Contains("Connected ", StringComparison.Ordinal));
            Assert.NotNull(line); // it connected before the signal
            Assert.NotEmpty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
            var rest = p.StandardError.ReadToEndAsync(ct);

            Tools.Check("kill", "-" + signal, p.Id.ToString(CultureInfo.InvariantCulture));

            await p.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            string err = await rest;
            Assert.True(code == p.ExitCode, err);
            Assert.Equal("", await output);
            Assert.Contains("rolled back: deleted controller", err);
            Assert.EndsWith($"nvmenative: attach cancelled by SIG{signal}; what it had done was rolled back", err.TrimEnd());
            Assert.Empty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
        }
        finally
        {
            if (!p.HasExited)
                p.Kill();
        }
    }

    [Fact]
    public void Detach_of_a_volume_attached_by_another_tool_on_a_host_with_no_attach_records_is_exit_0_with_json()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(16 << 20, new NamespaceOptions { Uuid = uuid });
        string props = $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{uuid}}", "portals": [["{{e.Port.TrAddr}}", "{{e.Port.TrSvcId}}", "tcp"]]}""";
        // As os-brick would have attached it: a plain fabrics connect, no NvmeNative record.
        using var watch = new UeventWatch();
        using var raw = RawFabrics.Connect(RawFabrics.TcpOptions(e.Port, e.Subsystem), out _);
        string records = "/run/nvmenative/attached";
        string? moved = Directory.Exists(records) ? records + ".aside-" + Guid.NewGuid().ToString("N") : null;
        if (moved is not null)
            Directory.Move(records, moved);
        try
        {
            string device = "/dev/" + HostNamespaces.WaitForDisk(watch, uuid, TimeSpan.FromSeconds(60));
            var (exit, output, err) = Run(props, "detach", "-", "--device-info", $$"""{"path":"{{device}}"}""");
            Assert.True(exit == 0, err);
            Assert.Equal(device, JsonDocument.Parse(output).RootElement.GetProperty("path").GetString());
            Assert.Empty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
        }
        finally
        {
            if (moved is not null)
            {
                if (Directory.Exists(records))
                    Directory.Delete(records, recursive: true);
                Directory.Move(moved, records);
            }
        }
    }
}
