namespace NvmeNative.Tests.Diagnostics;

/// <summary>Tests that read measurements: they run alone, so no other test's measurements mix in.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class TelemetryCollection;
