using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using NvmeNative.Fabrics;
using NvmeNative.Target;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// The loopback targets of a benchmark class and the cleanup that must happen whatever fails: every
/// controller the host has to one of our subsystems is deleted, then the nvmet objects are removed.
/// </summary>
internal sealed class BenchTargets : IDisposable
{
    /// <summary>NQN label of every benchmark subsystem (<c>nqn.2014-08.org.nvmenative:test-bench-…</c>).</summary>
    public const string Label = "bench";

    /// <summary>The portal addresses: a second 127.x address gives a second, independent path.</summary>
    public static readonly IPAddress[] PortalAddresses = [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("127.0.0.2")];

    private const long DefaultNamespaceBytes = 16 << 20;
    private static readonly ConcurrentDictionary<string, byte> Created = new(StringComparer.Ordinal);
    private readonly NvmetTarget _target = new();
    private readonly List<NvmetPort> _ports = [];

    private readonly long _namespaceBytes;

    /// <param name="portals">How many portals (1 or 2) every volume of this rig is exported on.</param>
    /// <param name="namespaceBytes">The size of each volume (a sparse file on tmpfs).</param>
    public BenchTargets(int portals, long namespaceBytes = DefaultNamespaceBytes)
    {
        _namespaceBytes = namespaceBytes;
        if (portals < 1 || portals > PortalAddresses.Length)
            throw new ArgumentOutOfRangeException(nameof(portals), portals, $"1..{PortalAddresses.Length} portals");
        try
        {
            foreach (var address in PortalAddresses.Take(portals))
                _ports.Add(_target.CreateTcpPort(address));
        }
        catch
        {
            _target.Dispose();
            throw;
        }
    }

    /// <summary>A new volume exported on every portal of this rig.</summary>
    public LoopbackVolume AddVolume() => LoopbackVolume.Create(_target, _ports, _namespaceBytes);

    internal static void Track(string nqn) => Created.TryAdd(nqn, 0);

    /// <summary>Deletes every host controller of this rig's subsystems, then removes the nvmet objects.</summary>
    public void Dispose()
    {
        DeleteControllersOf(_target.Subsystems.Select(s => s.Nqn));
        _target.Dispose();
    }

    /// <summary>
    /// Deletes every host controller (any state) whose subsystem is one of <paramref name="nqns"/>. Used after
    /// each measured iteration when something was left, and at the end of a run. Returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> DeleteControllersOf(IEnumerable<string> nqns)
    {
        var set = nqns.ToHashSet(StringComparer.Ordinal);
        var deleted = new List<string>();
        if (set.Count == 0 || !Directory.Exists(SysfsCtl))
            return deleted;
        var fabrics = new FabricsConnector();
        foreach (string dir in Directory.EnumerateDirectories(SysfsCtl, "nvme*"))
        {
            string name = Path.GetFileName(dir);
            if (!int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int instance))
                continue;
            if (Sysfs.Read(Path.Combine(dir, "subsysnqn")) is { } nqn && set.Contains(nqn) && fabrics.DeleteController(instance))
                deleted.Add(name);
        }
        return deleted;
    }

    /// <summary>The controllers (names) the host has to <paramref name="nqn"/>.</summary>
    public static IReadOnlyList<string> ControllersOf(string nqn) =>
        !Directory.Exists(SysfsCtl) ? [] :
        Directory.EnumerateDirectories(SysfsCtl, "nvme*")
            .Where(d => Sysfs.Read(Path.Combine(d, "subsysnqn")) == nqn)
            .Select(Path.GetFileName).OfType<string>().ToList();

    /// <summary>
    /// The last line of defence, run once the benchmarks are over (also after a crash of one): deletes the
    /// controllers of every subsystem a benchmark created, then sweeps nvmet objects of the benchmark prefix
    /// that a failed class did not remove. Returns a one-line account.
    /// </summary>
    public static string SweepEverything()
    {
        var controllers = DeleteControllersOf(Created.Keys);
        var report = NvmetTarget.RemoveLeftovers(nqnPrefix: NvmetNames.TestNqnPrefix + Label + "-");
        return $"final sweep: deleted {controllers.Count} controller(s), removed {report.Removed.Count} nvmet object(s), {report.Failures.Count} failure(s)"
               + string.Concat(report.Failures.Select(f => "; " + f.Message));
    }

    private const string SysfsCtl = "/sys/class/nvme-fabrics/ctl";
}
