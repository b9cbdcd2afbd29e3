namespace NvmeNative.KernelTests;

/// <summary>Says which kernel the suite ran on, and that the lab gave it everything it needs.</summary>
public sealed class LabEnvironmentTests(ITestOutputHelper output)
{
    [Fact]
    public void Kernel_under_test_has_nvme_fabrics_nvmet_and_md()
    {
        Requires.Root();
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        output.WriteLine($"kernel {release}");
        TestContext.Current.SendDiagnosticMessage($"kernel under test: {release}");
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Requires.MdRaid1();
        Requires.Loop();
        string expected = Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL") ?? "";
        if (Requires.InLab)
            Assert.StartsWith(expected + ".", release);
    }
}
