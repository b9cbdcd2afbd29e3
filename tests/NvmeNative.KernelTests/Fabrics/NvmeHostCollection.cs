namespace NvmeNative.KernelTests.Fabrics;

/// <summary>
/// Tests that create or count host NVMe controllers. They compare /sys/class/nvme before and after, so they
/// run alone: not in parallel with each other nor with any other test collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NvmeHostCollection
{
    /// <summary>The collection name for [Collection(...)].</summary>
    public const string Name = "NVMe host controllers";
}
