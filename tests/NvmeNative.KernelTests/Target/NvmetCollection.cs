namespace NvmeNative.KernelTests.Target;

/// <summary>
/// Kernel tests that build nvmet targets run one after another: they compare configfs snapshots, connect
/// controllers and share the host identity, and the 2-CPU lab gains nothing from running them together.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NvmetCollection
{
    /// <summary>The collection name for [Collection(...)].</summary>
    public const string Name = "nvmet";
}
