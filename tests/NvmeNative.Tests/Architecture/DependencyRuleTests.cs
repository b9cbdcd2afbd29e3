using NvmeNative.Errors;

namespace NvmeNative.Tests.Architecture;

/// <summary>
/// The core package's dependency rule: the BCL and Microsoft.Extensions.Logging.Abstractions only. Telemetry is the
/// BCL's (System.Diagnostics.DiagnosticSource is part of the shared framework); DI and hosting live in their own package.
/// </summary>
public sealed class DependencyRuleTests
{
    [Fact]
    public void The_core_assembly_references_only_the_BCL_and_logging_abstractions()
    {
        var references = typeof(NvmeNativeException).Assembly.GetReferencedAssemblies();
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references.Select(a => a.Name));
        Assert.Contains("System.Diagnostics.DiagnosticSource", references.Select(a => a.Name));
        // The BCL is whatever the shared framework (the runtime's own directory) provides.
        string framework = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        Assert.All(references.Where(a => a.Name != "Microsoft.Extensions.Logging.Abstractions"), a => Assert.True(
            System.Reflection.Assembly.Load(a).Location.StartsWith(framework, StringComparison.Ordinal), $"the core references {a.Name}, not part of the BCL"));
    }

    [Fact]
    public void The_DI_package_is_the_one_that_takes_the_hosting_abstractions()
    {
        var references = typeof(NvmeNative.Extensions.DependencyInjection.NvmeNativeOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("NvmeNative", references);
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions", references);
        Assert.Contains("Microsoft.Extensions.Options", references);
    }
}
