using System.Diagnostics;
using System.Text.Json;
using NvmeNative.KernelTests.Target;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Connector;

/// <summary>The nvmenative CLI as operators run it, against real targets, with nvme-cli as the oracle.</summary>
[Collection(NvmetCollection.Name)]
public sealed class CliKernelTests
{
    private static readonly string Cli = FindCli();

    internal static string FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string dll = Path.Combine(dir.FullName, "src", "NvmeNative.Cli", "bin", "Release", "net10.0", "NvmeNative.Cli.dll");
            if (File.Exists(dll))
                return dll;
        }
        return "NvmeNative.Cli.dll";
    }

    private static Process Start(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Cli);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        return p;
    }

    private static (int Exit, string Out, string Err) Finish(Process p)
    {
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args) => Finish(Start(stdin, args));

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
}
