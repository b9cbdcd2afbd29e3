using NvmeNative.Topology;

namespace NvmeNative.Cli;

/// <summary><c>nvmenative list [--json]</c>: subsystems → controllers → namespaces, as the kernel shows them.</summary>
internal static class ListCommand
{
    internal static int Run(NvmeTopology topology, bool json, TextWriter stdout)
    {
        var host = topology.Snapshot();
        if (json)
        {
            JsonOutput.Write(stdout, w => HostTopologyJson.Write(w, host));
            return CliApp.Ok;
        }
        foreach (var line in HostTopologyJson.Describe(host))
            stdout.WriteLine(line);
        return CliApp.Ok;
    }
}
