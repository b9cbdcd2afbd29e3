using System.Globalization;

namespace NvmeNative.KernelTests;

/// <summary>
/// What the kernels the lab proves (5.10, 6.1, 6.12 and Debian unstable's newest) differ in, as the tests expect it:
/// each fact is keyed by the running kernel's version and says which release brought it, so a test asserts the
/// outcome documented for the kernel it runs on (tests/lab/README.md, "What differs per kernel") instead of
/// skipping. The library detects these facts on its own; the tests compare its detection with this table.
/// </summary>
internal static class KernelFacts
{
    private static readonly Lazy<(int Major, int Minor)> Version = new(() =>
    {
        string release = Release;
        string[] parts = release.Split('.', 3);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture),
            int.Parse(new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture));
    });

    /// <summary>The running kernel's release, e.g. <c>5.10.0-46-amd64</c>.</summary>
    internal static string Release => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>The lab's name of the kernel (<c>5.10</c>, <c>6.1</c>, <c>6.12</c>, <c>unstable</c>), or null outside the lab.</summary>
    internal static string? LabKernel => Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL") is { Length: > 0 } k ? k : null;

    /// <summary>True when the running kernel is <paramref name="major"/>.<paramref name="minor"/> or later.</summary>
    internal static bool AtLeast(int major, int minor) => Version.Value.Major > major || (Version.Value.Major == major && Version.Value.Minor >= minor);

    /// <summary>A fresh <c>/dev/nvme-fabrics</c> descriptor reads the supported option tokens (5.17; before, EINVAL).</summary>
    internal static bool ListsFabricsOptions => AtLeast(5, 17);

    /// <summary>The <c>fast_io_fail_tmo</c> option and controller attribute (5.11). Replica legs need it.</summary>
    internal static bool HasFastIoFailTimeout => AtLeast(5, 11);

    /// <summary>A change uevent <c>NVME_EVENT=connected</c> each time a controller (re)connects (5.18).</summary>
    internal static bool AnnouncesReconnects => AtLeast(5, 18);

    /// <summary>
    /// nvmet's <c>attr_serial</c> is a string of up to 20 characters (5.14); before, a hexadecimal number (written with
    /// <c>%llx</c>, shown without padding).
    /// </summary>
    internal static bool NvmetSerialIsString => AtLeast(5, 14);

    /// <summary>The TCP controller's <c>address</c> attribute ends in <c>,src_addr=IP</c> (6.1).</summary>
    internal static bool AddressHasSrcAddr => AtLeast(6, 1);

    /// <summary>
    /// The TLS tokens (<c>tls</c>, <c>keyring</c>, <c>tls_key</c>): 6.7 brought them, but only kernels built with
    /// CONFIG_NVME_TCP_TLS list them. Debian builds 6.12 and unstable with it; 6.1 and 5.10 are older.
    /// </summary>
    internal static bool HasTlsTokens => AtLeast(6, 7);

    /// <summary>
    /// md writes the array's logical block size into the v1 superblock (former pad3 bytes 0-3) of the arrays it creates,
    /// and reads it: kernels after 6.18 (unstable in the lab), which also have the <c>check_new_feature</c> parameter.
    /// </summary>
    internal static bool MdRecordsLogicalBlockSize => AtLeast(6, 19);

    /// <summary>
    /// The properties a replicated test volume adds on a kernel without <c>fast_io_fail_tmo</c>: the explicit opt-in to
    /// os-brick's waiting legs (<c>"replica_fast_io_fail_tmo": -1</c>), without which the library refuses the attach
    /// there. Empty elsewhere. Tests that lose a replica while writing do not opt in; they assert the refusal.
    /// </summary>
    internal static string ReplicaLegOptIn => HasFastIoFailTimeout ? "" : "\"replica_fast_io_fail_tmo\": -1, ";
}
