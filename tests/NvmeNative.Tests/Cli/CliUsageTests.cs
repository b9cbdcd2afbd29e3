using NvmeNative.Cli;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Cli;

/// <summary>The CLI's contract for bad input: exit 2, one line on stderr, nothing on stdout, no kernel access.</summary>
public sealed class CliUsageTests : IDisposable
{
    // An empty fake root: any attempt to touch the kernel would fail with a different message or exit code.
    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.Run(args, new StringReader(stdin), stdout, stderr,
            new NvmeNative.Connector.NvmeOfConnectorOptions { Paths = KernelPaths.UnderRoot(_root) });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [["127.0.0.1", "44x20", "tcp"]]}""", "portals[0][1]")]
    [InlineData("""{"target_nqn": "nqn.x", "portals": [["127.0.0.1", 4420, "fc"]]}""", "portals[0][2]")]
    [InlineData("""{"target_nqn": "nqn.x,traddr=10.0.0.1", "portals": [["127.0.0.1", 4420, "tcp"]]}""", "target_nqn")]
    [InlineData("""not json""", "")]
    public void Invalid_properties_exit_2_with_one_line(string json, string keyPath)
    {
        var (exit, output, err) = Run(json, "attach", "-");
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains(keyPath, err);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("attach")]
    [InlineData("attach", "a", "b")]
    [InlineData("detach", "-", "--bogus")]
    [InlineData("detach", "-", "--device-info")]
    [InlineData("list", "extra")]
    [InlineData("extend")]
    [InlineData("extend", "-", "--force")]
    public void Bad_arguments_exit_2(params string[] args)
    {
        var (exit, output, err) = Run("{}", args);
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.StartsWith("nvmenative: ", err);
    }

    [Fact]
    public void A_replicated_attach_without_nvme_fabrics_fails_naming_the_module_before_any_lock_or_connect()
    {
        string json = """
            {"vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c11", "alias": "vol1", "replica_count": 2, "volume_replicas": [
              {"target_nqn": "nqn.a", "vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c12", "portals": [["127.0.0.1", 4420, "tcp"]]},
              {"target_nqn": "nqn.b", "vol_uuid": "c2c6d4a6-1bb3-4d6a-8f0e-5b0b1f3a9c13", "portals": [["127.0.0.2", 4420, "tcp"]]}]}
            """;
        var (exit, output, err) = Run(json, "attach", "-");
        Assert.Equal(CliApp.Failed, exit);
        Assert.Equal("", output);
        Assert.Contains("nvme-fabrics kernel module is not loaded", err);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")), "no lock file or record may be created");
    }

    [Fact]
    public void Paths_with_a_device_path_in_the_properties_need_no_kernel()
    {
        var (exit, output, _) = Run("""{"target_nqn": "nqn.x", "ns_id": 1, "device_path": "/dev/nvme0n1", "portals": [["127.0.0.1", 4420, "tcp"]]}""", "paths", "-");
        Assert.Equal(CliApp.Ok, exit);
        Assert.Equal("[\"/dev/nvme0n1\"]", output.Trim());
    }

    [Fact]
    public void Extend_with_an_unresolvable_host_name_exits_2_naming_the_key_and_the_host()
    {
        var (exit, output, err) = Run("""{"target_nqn": "nqn.x", "ns_id": 1, "portals": [["127.0.0.1", 4420, "tcp"], ["nope.invalid", 4420, "tcp"]]}""", "extend", "-");
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Contains("portals[1][0]", err);
        Assert.Contains("nope.invalid", err);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")), "no lock file may be created");
    }

    [Fact]
    public void Extend_without_a_namespace_identifier_exits_2_and_of_a_volume_not_attached_exits_1()
    {
        var (exit, output, err) = Run("""{"target_nqn": "nqn.x", "portals": [["127.0.0.1", 4420, "tcp"]]}""", "extend", "-");
        Assert.Equal(CliApp.Usage, exit);
        Assert.Equal("", output);
        Assert.Contains("no device_path", err);

        (exit, output, err) = Run("""{"target_nqn": "nqn.x", "ns_id": 1, "portals": [["localhost", 4420, "tcp"]]}""", "extend", "-");
        Assert.Equal(CliApp.Failed, exit);
        Assert.Equal("", output);
        Assert.Contains("no device for", err);
    }
}
