using System.Diagnostics;
using System.Globalization;
using NvmeNative.Benchmarks.Lab;

namespace NvmeNative.Benchmarks.OsBrick;

/// <summary>
/// What a user scripts without os-brick: <c>nvme connect</c> per replica, wait for each replica's namespace, then
/// <c>mdadm --create --assume-clean</c> (a new volume) or <c>mdadm --assemble --run</c> (an existing one); detach is
/// <c>mdadm --stop</c> and <c>nvme disconnect -n NQN</c> per replica. Every command is a process. Waiting for the
/// namespace is a sysfs poll every 10 ms, kinder than a script's <c>sleep 0.1</c> loop (the lab has no udev, so
/// <c>udevadm settle</c> and <c>/dev/disk/by-id</c> are not there).
/// </summary>
internal static class NvmeMdadmScript
{
    private const string CtlClass = "/sys/class/nvme-fabrics/ctl";
    private static readonly TimeSpan NamespaceDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Connects every replica and creates or assembles /dev/md/ALIAS; returns that path.</summary>
    public static string Attach(IReadOnlyList<LoopbackVolume> replicas, string alias, bool create)
    {
        foreach (var replica in replicas)
        {
            var portal = replica.Portals[0];
            CliProcess.Run("nvme", "connect", "-t", "tcp", "-a", portal.Address.ToString(),
                "-s", portal.Port.ToString(CultureInfo.InvariantCulture), "-n", replica.Nqn);
        }
        var devices = replicas.Select(WaitForNamespace).ToList();
        string md = "/dev/md/" + alias;
        if (create)
        {
            CliProcess.Run("mdadm", ["--create", md, "--run", "--level=1", $"--raid-devices={devices.Count}", "--metadata=1.2",
                "--bitmap=internal", "--homehost=any", "--failfast", "--assume-clean", .. devices]);
        }
        else
        {
            CliProcess.Run("mdadm", ["--assemble", md, "--run", .. devices]);
        }
        return md;
    }

    /// <summary>Stops the array and disconnects every replica's subsystem.</summary>
    public static void Detach(IReadOnlyList<LoopbackVolume> replicas, string alias)
    {
        string md = "/dev/md/" + alias;
        CliProcess.Run("mdadm", "--stop", md);
        if (new FileInfo(md).LinkTarget is not null)
            File.Delete(md); // udev's part; the lab has none
        foreach (var replica in replicas)
            CliProcess.Run("nvme", "disconnect", "-n", replica.Nqn);
    }

    /// <summary>The replica's block device (<c>/dev/nvmeXnY</c>, the multipath head), once its namespace is there.</summary>
    private static string WaitForNamespace(LoopbackVolume replica)
    {
        var deadline = Stopwatch.StartNew();
        string wanted = replica.Uuid.ToString();
        while (true)
        {
            foreach (string ctl in Directory.EnumerateDirectories(CtlClass, "nvme*"))
            {
                if (Sysfs.Read(Path.Combine(ctl, "subsysnqn")) != replica.Nqn)
                    continue;
                foreach (string ns in Directory.EnumerateFileSystemEntries(ctl, "nvme*"))
                {
                    if (Sysfs.Read(Path.Combine(ns, "uuid")) == wanted)
                        return "/dev/" + OsBrickCliConnector.NvmeBasename(Path.GetFileName(ns));
                }
            }
            if (deadline.Elapsed > NamespaceDeadline)
                throw new TimeoutException($"the namespace of {replica.Nqn} did not appear within {NamespaceDeadline.TotalSeconds} s");
            Thread.Sleep(10);
        }
    }
}
