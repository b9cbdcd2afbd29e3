using System.Diagnostics;
using System.Text.Json;
using NvmeNative.KernelTests.Target;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// The NvmeNative package as a user gets it: `./build.sh package-consumer` packs it, installs it from a local feed
/// into a fresh console project (tests/PackageConsumer/Program.cs, the public API only) and builds that on the host;
/// here it attaches, reads and detaches a volume in the lab.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class PackageConsumerKernelTests
{
    private static string FindConsumer()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string dll = Path.Combine(dir.FullName, "artifacts", "package-consumer", "PackageConsumer.dll");
            if (File.Exists(dll))
                return dll;
        }
        Assert.Fail("artifacts/package-consumer/PackageConsumer.dll is missing: run ./build.sh package-consumer first (./build.sh test does)");
        return "";
    }

    [Fact]
    public async Task A_console_project_on_the_packed_package_attaches_reads_and_detaches_a_volume()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        string consumer = FindConsumer();
        // It runs on the package's NvmeNative.dll, not on this solution's project build.
        var deps = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(consumer, ".deps.json"))).RootElement;
        var library = deps.GetProperty("libraries").EnumerateObject().Single(l => l.Name.StartsWith("NvmeNative/", StringComparison.Ordinal));
        Assert.Equal("package", library.Value.GetProperty("type").GetString());

        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(16 << 20, new NamespaceOptions { Uuid = uuid });
        string props = $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "vol_uuid": "{{uuid}}", "portals": [["{{e.Port.TrAddr}}", "{{e.Port.TrSvcId}}", "tcp"]]}""";

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(consumer);
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(props);
        p.StandardInput.Close();
        var ct = TestContext.Current.CancellationToken;
        var err = p.StandardError.ReadToEndAsync(ct);
        string[] lines = (await p.StandardOutput.ReadToEndAsync(ct)).TrimEnd().Split('\n');
        await p.WaitForExitAsync(ct);
        Assert.True(p.ExitCode == 0, await err);

        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^attached /dev/nvme\d+n\d+$", lines[0]);
        Assert.Equal("read 4096 bytes", lines[1]);
        Assert.StartsWith($"detached {lines[0]["attached ".Length..]}; deleted nvme", lines[2]);
        Assert.Empty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
    }
}
