using NvmeNative.Nvme;

namespace NvmeNative.KernelTests;

/// <summary>
/// The hostnqn/hostid pair kernel tests connect with: the host's /etc/nvme files when both exist, else one
/// pair generated for this process. Since 6.5 a hostnqn must keep the same hostid for the whole boot
/// (and the reverse), so every test in a run uses this one pair.
/// </summary>
internal static class TestHostIdentity
{
    private static readonly Lazy<(string Nqn, string Id)> Pair = new(Load);

    internal static string HostNqn => Pair.Value.Nqn;

    internal static string HostId => Pair.Value.Id;

    private static (string, string) Load()
    {
        string? nqn = FirstLine("/etc/nvme/hostnqn");
        string? id = FirstLine("/etc/nvme/hostid");
        if (!string.IsNullOrEmpty(nqn) && Guid.TryParse(id, out _))
            return (nqn, id!);
        string generated = Guid.NewGuid().ToString("D");
        return ($"nqn.2014-08.org.nvmexpress:uuid:{generated}", generated);
    }

    private static string? FirstLine(string path) =>
        File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
}
