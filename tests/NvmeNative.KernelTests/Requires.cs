namespace NvmeNative.KernelTests;

/// <summary>
/// What a kernel test needs, checked as the feature itself (not the uid alone). Outside the lab a missing
/// feature skips the test with a reason naming it; build.sh fails a lab run in which anything skipped.
/// </summary>
internal static class Requires
{
    internal static bool InLab => Environment.GetEnvironmentVariable("NVMENATIVE_LAB") == "1";

    internal static void Root()
    {
        if (!Environment.IsPrivilegedProcess)
            Assert.Skip("needs root (CAP_SYS_ADMIN)");
    }

    /// <summary>The NVMe/TCP host side: nvme-tcp loaded, /dev/nvme-fabrics present.</summary>
    internal static void NvmeFabrics()
    {
        Root();
        if (!File.Exists("/dev/nvme-fabrics"))
            Assert.Skip("needs /dev/nvme-fabrics (modprobe nvme-tcp)");
    }

    /// <summary>The target side: nvmet and nvmet-tcp loaded, configfs mounted.</summary>
    internal static void Nvmet()
    {
        Root();
        if (!Directory.Exists("/sys/kernel/config/nvmet"))
            Assert.Skip("needs nvmet in configfs (modprobe nvmet-tcp; mount -t configfs none /sys/kernel/config)");
    }

    /// <summary>md with the raid1 personality.</summary>
    internal static void MdRaid1()
    {
        Root();
        if (!File.Exists("/proc/mdstat") || !File.ReadAllText("/proc/mdstat").Contains("[raid1]", StringComparison.Ordinal))
            Assert.Skip("needs md raid1 (modprobe raid1)");
    }

    /// <summary>Loop devices, to build md arrays on without NVMe.</summary>
    internal static void Loop()
    {
        Root();
        if (!File.Exists("/dev/loop-control"))
            Assert.Skip("needs loop devices (modprobe loop)");
    }

    /// <summary>A command-line oracle (mdadm, nvme, losetup): used by tests, never by the library.</summary>
    internal static void Tool(string name)
    {
        if (Tools.Find(name) is null)
            Assert.Skip($"needs the {name} command (apt-get install {name})");
    }
}
