namespace NvmeNative.Kernel;

/// <summary>
/// Where the kernel's file systems are mounted. Every path the library touches is built from one of
/// these roots, so unit tests can point them at a captured tree in a temp directory (the C# form of
/// libnvme's LIBNVME_SYSFS_PATH).
/// </summary>
public sealed record KernelPaths
{
    /// <summary>The real host: /sys, /dev, /proc, /sys/kernel/config, /run, /etc.</summary>
    public static KernelPaths Host { get; } = new();

    /// <summary>sysfs mount point.</summary>
    public string Sys { get; init; } = "/sys";

    /// <summary>devtmpfs mount point.</summary>
    public string Dev { get; init; } = "/dev";

    /// <summary>procfs mount point.</summary>
    public string Proc { get; init; } = "/proc";

    /// <summary>configfs mount point (nvmet lives under nvmet/).</summary>
    public string Config { get; init; } = "/sys/kernel/config";

    /// <summary>Runtime state directory (/run): lock files, /run/mdadm/map.</summary>
    public string Run { get; init; } = "/run";

    /// <summary>Configuration directory (/etc): /etc/nvme/hostnqn and hostid.</summary>
    public string Etc { get; init; } = "/etc";

    /// <summary>Where programs keep persistent state (<c>/var/lib</c>): the default replica-state store lives below it.</summary>
    public string VarLib { get; init; } = "/var/lib";

    /// <summary>All roots under one directory (sys/, dev/, proc/, sys/kernel/config/, run/, etc/), for tests.</summary>
    public static KernelPaths UnderRoot(string root) => new()
    {
        Sys = Path.Combine(root, "sys"),
        Dev = Path.Combine(root, "dev"),
        Proc = Path.Combine(root, "proc"),
        Config = Path.Combine(root, "sys", "kernel", "config"),
        Run = Path.Combine(root, "run"),
        Etc = Path.Combine(root, "etc"),
        VarLib = Path.Combine(root, "var", "lib"),
    };

    internal string SysPath(string relative) => Path.Combine(Sys, relative);

    internal string DevPath(string relative) => Path.Combine(Dev, relative);
}
