namespace NvmeNative.KernelTests;

/// <summary>Says which kernel the suite ran on, and that the lab booted the kernel it was asked for with everything the suite needs.</summary>
public sealed class LabEnvironmentTests(ITestOutputHelper output)
{
    [Fact]
    public void The_lab_kernel_is_the_one_asked_for_and_has_nvme_fabrics_nvmet_and_md()
    {
        // Outside the lab no kernel was asked for, so there is nothing to compare with: skip rather than pass.
        if (!Requires.InLab)
            Assert.Skip("checks the lab's kernel (NVMENATIVE_LAB=1, NVMENATIVE_LAB_KERNEL set by tests/lab/lab.sh)");
        Requires.Root();
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        output.WriteLine($"kernel {release}");
        TestContext.Current.SendDiagnosticMessage($"kernel under test: {release}");
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Requires.MdRaid1();
        Requires.Loop();
        string expected = Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL") ?? "";
        if (expected == "unstable")
            Assert.True(KernelFacts.AtLeast(6, 13), $"Debian unstable's newest kernel is newer than bookworm's 6.12; booted {release}");
        else
            Assert.StartsWith(expected + ".", release);
    }

    [Fact]
    public void What_the_library_detects_of_this_kernel_is_what_the_kernel_table_documents()
    {
        Requires.NvmeFabrics();
        Requires.MdRaid1();
        var supported = new NvmeNative.Fabrics.FabricsConnector().SupportedOptions;
        var topology = new NvmeNative.Topology.NvmeTopology();
        var md = new NvmeNative.Md.MdPaths(NvmeNative.Kernel.KernelPaths.Host);
        output.WriteLine($"{KernelFacts.Release} (lab kernel {KernelFacts.LabKernel ?? "-"}): {supported}; reconnects announced: " +
            $"{topology.AnnouncesReconnects}; md superblock logical_block_size: {md.KernelKnowsLogicalBlockSizeField}");
        Assert.Equal(KernelFacts.ListsFabricsOptions, supported.IsReportedByKernel);
        Assert.Equal(KernelFacts.HasFastIoFailTimeout, supported.Supports(NvmeNative.Fabrics.FabricsOption.FastIoFailTimeout));
        Assert.Equal(KernelFacts.HasTlsTokens, supported.Supports(NvmeNative.Fabrics.FabricsOption.Tls));
        Assert.Equal(KernelFacts.AnnouncesReconnects, topology.AnnouncesReconnects);
        Assert.Equal(KernelFacts.MdRecordsLogicalBlockSize, md.KernelKnowsLogicalBlockSizeField);
    }
}
