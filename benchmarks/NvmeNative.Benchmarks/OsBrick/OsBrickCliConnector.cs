using System.Globalization;
using NvmeNative.Benchmarks.Lab;
using NvmeNative.Nvme;

namespace NvmeNative.Benchmarks.OsBrick;

/// <summary>
/// The baseline: os-brick's NVMe-oF connector (<c>os_brick/initiator/connectors/nvmeof.py</c>) for a
/// non-replicated volume with native multipath (<c>use_multipath=True</c>, as Nova runs it), ported step by
/// step: the sysfs scans it does in Python, the processes it launches (<c>nvme connect -Q 128 -l -1</c>,
/// <c>blockdev --flushbufs</c>, <c>nvme disconnect -d</c>) and its sleep-and-retry wait for the namespace.
/// See /work/shared/reference/os-brick-connector.md §1.3-1.6 for the method each step mirrors.
/// </summary>
/// <remarks>
/// States a benchmark never produces (a controller that is connecting or resetting, a connect race) throw
/// instead of being waited for: every measured attach starts with no controller to the target.
/// </remarks>
internal sealed class OsBrickCliConnector
{
    private const string CtlClass = "/sys/class/nvme-fabrics/ctl";

    // Target.find_device: @utils.retry(VolumeDeviceNotFound, retries=5), interval 1 s, backoff 2 (tenacity
    // wait_exponential): after a failed look it sleeps 1, 2, 4, then 8 s.
    private static readonly int[] FindDeviceSleepsSeconds = [1, 2, 4, 8];

    private readonly string _hostNqn = Sysfs.Read("/etc/nvme/hostnqn")
        ?? throw new InvalidOperationException("/etc/nvme/hostnqn is missing; nvme-cli and os-brick need it");

    /// <summary><c>connect_volume</c>: returns the device and how long find_device slept before it appeared.</summary>
    public (string Device, int SleptSeconds) ConnectVolume(LoopbackVolume volume)
    {
        // NVMeOFConnProps(find_controllers=True): Target.set_portals_controllers().
        var controllers = SetPortalsControllers(volume);

        // _connect_target step 1: read each portal's state once.
        bool connected = false;
        var missing = new List<int>();
        for (int i = 0; i < volume.Portals.Count; i++)
        {
            string? state = controllers[i] is { } c ? Sysfs.Read($"{CtlClass}/{c}/state") : null;
            if (state == "live")
            {
                connected = true;
                CliProcess.Run("nvme", "ns-rescan", "/dev/" + controllers[i]); // os-brick's rescan(), for targets without AEN
            }
            else if (state is null)
                missing.Add(i);
            else
                throw new InvalidOperationException($"controller {controllers[i]} is '{state}'; the benchmark starts from no controller");
        }

        // Step 2: with multipath every missing portal is connected (without it, the first that works).
        foreach (int i in missing)
        {
            var portal = volume.Portals[i];
            CliProcess.Run("nvme", "connect", "-a", portal.Address.ToString(), "-s", portal.Port.ToString(CultureInfo.InvariantCulture),
                "-t", "tcp", "-n", volume.Nqn, "-Q", "128", "-l", "-1");
            connected = true;
        }
        if (!connected)
            throw new InvalidOperationException($"VolumeDeviceNotFound: no portal of {volume.Nqn} connected");

        // Steps 5-6: learn the new controllers' names, then find_device with its retries.
        controllers = SetPortalsControllers(volume);
        int slept = 0;
        for (int attempt = 0; ; attempt++)
        {
            if (FindDeviceOnce(volume, controllers) is { } device)
                return (device, slept);
            if (attempt == FindDeviceSleepsSeconds.Length)
                throw new InvalidOperationException($"VolumeDeviceNotFound: {volume.Nqn} after {slept} s of find_device retries");
            Thread.Sleep(TimeSpan.FromSeconds(FindDeviceSleepsSeconds[attempt])); // os-brick's own back-off: the behaviour being measured
            slept += FindDeviceSleepsSeconds[attempt];
        }
    }

    /// <summary>
    /// <c>disconnect_volume</c> with <c>device_info={"path": device}</c>: flush the device with blockdev, then
    /// <c>nvme disconnect -d</c> each portal's controller that <c>can_disconnect</c>.
    /// </summary>
    public void DisconnectVolume(LoopbackVolume volume, string device)
    {
        if (!File.Exists(device))
            return; // os-brick: "assuming it's not there", no subsystem disconnect
        CliProcess.Run("blockdev", "--flushbufs", device); // LinuxSCSI.flush_device_io
        DisconnectTarget(volume);
    }

    /// <summary>
    /// <c>connect_volume</c> of a replicated volume whose array exists (_connect_volume_replicated,
    /// _handle_replicated_volume): each replica's _connect_target, <c>mdadm --examine</c> of the replicas until one
    /// is in a RAID (_is_device_in_raid), then stop_and_assemble_raid (md names from /proc/mdstat, then
    /// <c>mdadm --assemble --run /dev/md/ALIAS</c> with every replica). Returns /dev/md/ALIAS and the sleeps.
    /// </summary>
    public (string Device, int SleptSeconds) ConnectReplicated(IReadOnlyList<LoopbackVolume> replicas, string alias)
    {
        var devices = new List<string>();
        int slept = 0;
        foreach (var replica in replicas)
        {
            var (device, s) = ConnectVolume(replica);
            devices.Add(device);
            slept += s;
        }
        bool inRaid = false;
        foreach (string device in devices)
        {
            string examine = CliProcess.Run("mdadm", "--examine", device);
            if (examine.Split('\n')[0].Trim() == device + ":")
            {
                inRaid = true;
                break;
            }
        }
        if (!inRaid)
            throw new InvalidOperationException("the benchmark assembles an existing array; no replica carries one");
        string mdPath = "/dev/md/" + alias;
        string mdstat = File.ReadAllText("/proc/mdstat"); // get_md_name for each drive: none runs yet
        foreach (string device in devices)
        {
            if (mdstat.Contains(Path.GetFileName(device), StringComparison.Ordinal))
                throw new InvalidOperationException($"{device} is already in an array");
        }
        CliProcess.Run("mdadm", ["--assemble", "--run", mdPath, .. devices]);
        return (mdPath, slept);
    }

    /// <summary>
    /// <c>disconnect_volume</c> of a replicated volume: end_raid (<c>mdadm --detail</c>, <c>mdadm --stop</c>), then
    /// _try_disconnect_all for each replica (no flush of the replicas: the stop flushed the array).
    /// </summary>
    public void DisconnectReplicated(IReadOnlyList<LoopbackVolume> replicas, string alias)
    {
        string mdPath = "/dev/md/" + alias;
        string detail = CliProcess.Run("mdadm", "--detail", mdPath);
        if (detail.Split('\n')[0].Trim() == mdPath + ":")
            CliProcess.Run("mdadm", "--stop", mdPath);
        // udev removes the link when the array goes; the lab has no udev, so do its part.
        if (new FileInfo(mdPath).LinkTarget is not null)
            File.Delete(mdPath);
        foreach (var replica in replicas)
            DisconnectTarget(replica);
    }

    /// <summary>_try_disconnect_all: set_portals_controllers, then _try_disconnect per portal (errors collected).</summary>
    private void DisconnectTarget(LoopbackVolume volume)
    {
        var controllers = SetPortalsControllers(volume);
        var errors = new List<Exception>();
        foreach (string? controller in controllers)
        {
            if (controller is null || !CanDisconnect(volume, controller))
                continue;
            try
            {
                CliProcess.Run("nvme", "disconnect", "-d", "/dev/" + controller);
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e);
            }
        }
        if (errors.Count > 0)
            throw new AggregateException("disconnect_volume failed", errors);
    }

    /// <summary>
    /// The os-brick-style lookup of a volume's device without connecting anything: set_portals_controllers
    /// then one find_device look. Null when it is not there.
    /// </summary>
    public string? FindDevice(LoopbackVolume volume) => FindDeviceOnce(volume, SetPortalsControllers(volume));

    /// <summary>
    /// Target.set_portals_controllers: scan every fabrics controller, match (traddr, trsvcid, transport,
    /// hostnqn) of each portal. Returns the controller name per portal (null: none).
    /// </summary>
    private string?[] SetPortalsControllers(LoopbackVolume volume)
    {
        var found = new string?[volume.Portals.Count];
        if (!Directory.Exists(CtlClass))
            return found;
        foreach (string dir in Directory.EnumerateDirectories(CtlClass, "nvme*"))
        {
            string name = Path.GetFileName(dir);
            if (found.Contains(name) || Sysfs.Read(Path.Combine(dir, "subsysnqn")) != volume.Nqn)
                continue;
            string? transport = Sysfs.Read(Path.Combine(dir, "transport"));
            if (Sysfs.Read(Path.Combine(dir, "address")) is not { } address)
                continue;
            var fields = address.Split(',').Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
            string? hostNqn = Sysfs.Read(Path.Combine(dir, "hostnqn"));
            for (int i = 0; i < volume.Portals.Count; i++)
            {
                var portal = volume.Portals[i];
                if (found[i] is null
                    && fields.GetValueOrDefault("traddr") == portal.Address.ToString()
                    && fields.GetValueOrDefault("trsvcid") == portal.Port.ToString(CultureInfo.InvariantCulture)
                    && transport == "tcp"
                    && (hostNqn is null || hostNqn == _hostNqn))
                {
                    found[i] = name;
                    break;
                }
            }
            if (found.All(f => f is not null))
                break;
        }
        return found;
    }

    /// <summary>Target.get_devices(only_live=True, get_one=True): the first live portal's device with our uuid.</summary>
    private static string? FindDeviceOnce(LoopbackVolume volume, string?[] controllers)
    {
        foreach (string? controller in controllers)
        {
            if (controller is null || Sysfs.Read($"{CtlClass}/{controller}/state") != "live")
                continue;
            if (DeviceByUuid(controller, volume.Uuid) is { } device)
                return device;
        }
        return null;
    }

    /// <summary>Portal.get_device_by_property('uuid', …) over glob(ctl/&lt;controller&gt;/nvme*).</summary>
    private static string? DeviceByUuid(string controller, Guid uuid)
    {
        string wanted = uuid.ToString();
        foreach (string path in NamespacePaths(controller))
        {
            if (Sysfs.Read(Path.Combine(path, "uuid")) == wanted)
                return "/dev/" + NvmeBasename(Path.GetFileName(path));
        }
        return null;
    }

    /// <summary>Portal.can_disconnect: no namespace left, or only this volume's.</summary>
    private static bool CanDisconnect(LoopbackVolume volume, string controller)
    {
        var namespaces = NamespacePaths(controller);
        if (namespaces.Count == 0)
            return true;
        if (namespaces.Count > 1)
            return false;
        return DeviceByUuid(controller, volume.Uuid) is { } device
               && Path.GetFileName(device) == NvmeBasename(Path.GetFileName(namespaces[0]));
    }

    private static List<string> NamespacePaths(string controller)
    {
        string dir = $"{CtlClass}/{controller}";
        return Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, "nvme*").ToList() : [];
    }

    /// <summary>nvme_basename: the per-path device <c>nvme0c1n10</c> → its head <c>nvme0n10</c>.</summary>
    internal static string NvmeBasename(string name)
    {
        int c = name.IndexOf('c', StringComparison.Ordinal);
        if (c < 0)
            return name;
        string rest = name[(c + 1)..];
        return name[..c] + rest[rest.IndexOf('n', StringComparison.Ordinal)..];
    }
}
