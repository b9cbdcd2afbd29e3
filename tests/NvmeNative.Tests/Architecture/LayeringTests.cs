using System.Reflection;
using System.Text.RegularExpressions;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Tests.Architecture;

/// <summary>
/// The layers depend only downward: Interop → Kernel → Fabrics / Topology / Md / Target / ReplicaState → Connector and
/// Monitoring (siblings: neither uses the other) → CLI, with Errors, Nvme and Diagnostics (the exception family, the NVMe value types and
/// the telemetry) as vocabulary every layer may use.
/// Siblings do not use each other; only Kernel calls Interop's libc functions; a kernel interface's UAPI types are
/// used by the layer that owns it (md structs by Md, NVMe structs by Fabrics and Topology, the generic ones by
/// Kernel) and by nothing above; the connector and the CLI touch no Interop at all and reach md only through its
/// public API (<see cref="Md.MdArrays"/> and its value types). Checked on the built IL (every type, method and field
/// a type uses) and, for constants (which C# folds into literals), on the source.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Library = typeof(NvmeNativeException).Assembly;

    private enum Layer { Vocabulary, Interop, Kernel, Subsystem, Connector, Cli }

    private static (Layer Layer, string Group)? LayerOf(string? ns) => ns switch
    {
        // Diagnostics (the telemetry names and spans) is vocabulary too: every layer reports its phases through it.
        "NvmeNative.Errors" or "NvmeNative.Nvme" or "NvmeNative.Diagnostics" => (Layer.Vocabulary, ns),
        "NvmeNative.Interop" => (Layer.Interop, ns),
        "NvmeNative.Kernel" => (Layer.Kernel, ns),
        "NvmeNative.Fabrics" or "NvmeNative.Topology" or "NvmeNative.Target" or "NvmeNative.ReplicaState" => (Layer.Subsystem, ns),
        "NvmeNative.Md" or "NvmeNative.Md.Format" => (Layer.Subsystem, "NvmeNative.Md"),
        // The monitor is a service beside the connector: both build on the subsystems, neither uses the other.
        "NvmeNative.Connector" or "NvmeNative.Monitoring" => (Layer.Connector, ns),
        _ when ns?.StartsWith("NvmeNative.Cli", StringComparison.Ordinal) == true => (Layer.Cli, "NvmeNative.Cli"),
        _ => null, // compiler-generated and assembly-level types
    };

    /// <summary>Which Interop classes a layer (group) may name; Libc (the functions) is Kernel's alone.</summary>
    private static bool MayUseInterop(string userGroup, string interopClass) => interopClass switch
    {
        "MdU" or "MdP" or "MdBitmap" => userGroup is "NvmeNative.Md",
        "NvmeIoctl" or "NvmeIdentify" => userGroup is "NvmeNative.Fabrics" or "NvmeNative.Topology",
        "Libc" or "Libraries" or "IoctlCode" => userGroup is "NvmeNative.Kernel" or "NvmeNative.Interop",
        // A descriptor is what Kernel's wrappers hand the subsystems; the connector and CLI never hold one.
        "SafeFdHandle" => userGroup is not ("NvmeNative.Connector" or "NvmeNative.Monitoring" or "NvmeNative.Cli"),
        // The generic UAPI (fcntl, stat, fs, poll, sockets, netlink, eventfd, flock, blkpg): Kernel's, and the open flags
        // every subsystem passes to Kernel's Fd.Open.
        "Fcntl" => userGroup is not ("NvmeNative.Connector" or "NvmeNative.Monitoring" or "NvmeNative.Cli"),
        "CHeaderAttribute" or "CTypeNameAttribute" or "ReservedAttribute" or "NotInHeadersAttribute" => true,
        _ => userGroup is "NvmeNative.Kernel" or "NvmeNative.Interop",
    };

    private static string? Violation(Type user, Type used)
    {
        if (LayerOf(user.Namespace) is not var (userLayer, userGroup) || LayerOf(used.Namespace) is not var (usedLayer, usedGroup))
            return null;
        if (userGroup == usedGroup)
            return null;
        if (usedLayer == Layer.Interop)
            return MayUseInterop(userGroup, used.Name) ? null : $"{user.FullName} uses {used.FullName}";
        if (usedLayer == Layer.Vocabulary)
            return null;
        if (userLayer == Layer.Vocabulary)
            return $"{user.FullName} (vocabulary) uses {used.FullName}";
        if (usedLayer > userLayer)
            return $"{user.FullName} ({userLayer}) uses {used.FullName} ({usedLayer}), a layer above it";
        if (usedLayer == userLayer)
            return $"{user.FullName} uses its sibling {used.FullName}";
        if (userLayer >= Layer.Connector && usedGroup == "NvmeNative.Md" && !used.IsPublic)
            return $"{user.FullName} reaches md's internals ({used.FullName}) instead of MdArrays";
        return null;
    }

    [Fact]
    public void The_library_depends_only_downward()
    {
        var violations = AssemblyReferences.Of(Library).Select(p => Violation(p.User, p.Used)).OfType<string>().Distinct().Order().ToList();
        Assert.True(violations.Count == 0, "layering violations:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_cli_uses_no_interop_and_no_md_internals()
    {
        var cli = typeof(NvmeNative.Cli.CliApp).Assembly;
        var violations = AssemblyReferences.Of(cli, usedFrom: Library).Select(p => Violation(p.User, p.Used)).OfType<string>().Distinct().Order().ToList();
        Assert.True(violations.Count == 0, "layering violations:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Interop_is_named_only_where_the_rules_allow_it_in_source()
    {
        // C# folds constants (O_RDONLY, ioctl codes) into literals, so the IL check cannot see them: read the source.
        var src = Path.Combine(RepoPaths.Root, "src");
        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            string text = File.ReadAllText(file);
            var ns = Regex.Match(text, @"^namespace ([\w.]+)", RegexOptions.Multiline).Groups[1].Value;
            if (LayerOf(ns) is not var (_, group))
                continue;
            foreach (Match m in Regex.Matches(text, @"(?<![\w.])Interop\.(\w+)"))
                if (!MayUseInterop(group, m.Groups[1].Value))
                    violations.Add($"{Path.GetRelativePath(src, file)}: Interop.{m.Groups[1].Value} in {group}");
            if (group is "NvmeNative.Connector" or "NvmeNative.Monitoring" or "NvmeNative.Cli" && Regex.IsMatch(text, @"^using NvmeNative\.Interop;", RegexOptions.Multiline))
                violations.Add($"{Path.GetRelativePath(src, file)}: imports NvmeNative.Interop");
        }
        Assert.True(violations.Count == 0, "Interop named outside its rules:\n" + string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void The_check_sees_a_violation()
    {
        // The rules themselves: a connector type using md's internals, a subsystem using its sibling, the connector
        // naming libc, and a kernel type reaching up are each reported.
        Assert.NotNull(Violation(typeof(NvmeOfConnector), Library.GetType("NvmeNative.Md.MdPaths", throwOnError: true)!));
        Assert.NotNull(Violation(Library.GetType("NvmeNative.Md.MdLocator", true)!, typeof(NvmeNative.Topology.NvmeTopology)));
        Assert.NotNull(Violation(typeof(NvmeOfConnector), Library.GetType("NvmeNative.Interop.Libc", true)!));
        Assert.NotNull(Violation(Library.GetType("NvmeNative.Kernel.Fd", true)!, typeof(NvmeOfConnector)));
        Assert.Null(Violation(typeof(NvmeOfConnector), typeof(NvmeNative.Md.MdArrays)));
        // The monitor and the connector are siblings: neither may use the other; the monitor reaches md only through MdArrays.
        Assert.NotNull(Violation(typeof(NvmeNative.Monitoring.ReplicaMonitor), typeof(NvmeOfConnector)));
        Assert.NotNull(Violation(typeof(NvmeOfConnector), typeof(NvmeNative.Monitoring.ReplicaMonitor)));
        Assert.NotNull(Violation(typeof(NvmeNative.Monitoring.ReplicaMonitor), Library.GetType("NvmeNative.Md.MdSysfs", throwOnError: true)!));
        Assert.Null(Violation(typeof(NvmeNative.Monitoring.ReplicaMonitor), typeof(NvmeNative.Md.MdArrays)));
        // And the IL reader finds real edges: the connector uses the topology, md's public API and the kernel helpers.
        var used = AssemblyReferences.Of(Library).Where(p => p.User.Namespace == "NvmeNative.Connector").Select(p => p.Used.FullName).ToHashSet();
        Assert.Contains("NvmeNative.Topology.NvmeTopology", used);
        Assert.Contains("NvmeNative.Md.MdArrays", used);
        Assert.Contains("NvmeNative.Kernel.BlockDevices", used);
    }
}
