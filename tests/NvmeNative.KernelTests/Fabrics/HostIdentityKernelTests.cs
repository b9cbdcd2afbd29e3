using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>The persisted host identity on the lab host, against nvme-cli as the oracle.</summary>
public sealed class HostIdentityKernelTests(ITestOutputHelper output)
{
    [Fact]
    public void The_identity_is_stable_and_nvme_cli_reads_the_same_one()
    {
        Requires.Root();
        Requires.Tool("nvme");
        var first = HostIdentityStore.LoadOrCreate();
        output.WriteLine($"{first}; DMI product uuid: {HostIdentityStore.ReadSystemUuid()?.ToString() ?? "(unusable)"}");
        Assert.Equal(first, HostIdentityStore.LoadOrCreate());
        Assert.Equal(first, HostIdentityStore.TryLoad());
        Assert.Equal(first.HostNqn.Value, Tools.Check("nvme", "show-hostnqn").Trim());
        Assert.Equal(first.HostNqn.Value, File.ReadAllText("/etc/nvme/hostnqn").Trim());
        Assert.Equal(first.HostId, NvmeUuid.Parse(File.ReadAllText("/etc/nvme/hostid").Trim()));
    }
}
