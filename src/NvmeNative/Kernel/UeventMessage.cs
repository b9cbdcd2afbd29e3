using System.Text;

namespace NvmeNative.Kernel;

/// <summary>
/// One kernel uevent as the kernel multicasts it on NETLINK_KOBJECT_UEVENT group 1:
/// <c>ACTION@DEVPATH\0ACTION=...\0DEVPATH=...\0SUBSYSTEM=...\0SEQNUM=...\0</c>. Events are wake-ups, never
/// truth: waiters re-read sysfs after one, so a lost, reordered or forged event cannot make a wait succeed.
/// </summary>
internal sealed class UeventMessage
{
    private UeventMessage(string action, string devPath, IReadOnlyDictionary<string, string> properties)
    {
        Action = action;
        DevPath = devPath;
        Properties = properties;
    }

    /// <summary>add, remove, change, move, online, offline, bind, unbind.</summary>
    internal string Action { get; }

    /// <summary>The device's path under /sys, e.g. /devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1.</summary>
    internal string DevPath { get; }

    /// <summary>Every KEY=VALUE pair of the message.</summary>
    internal IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>SUBSYSTEM (block, nvme, nvme-subsystem, ...), or null.</summary>
    internal string? Subsystem => Properties.GetValueOrDefault("SUBSYSTEM");

    /// <summary>The last component of <see cref="DevPath"/>: the kernel object's name (nvme0, nvme0n1, nvme0c0n1).</summary>
    internal string KernelName => DevPath[(DevPath.LastIndexOf('/') + 1)..];

    /// <summary>
    /// Parses one datagram. Returns null for anything that is not a well-formed kernel uevent (udev's
    /// "libudev" messages, truncated or garbled data), which callers simply skip.
    /// </summary>
    internal static UeventMessage? Parse(ReadOnlySpan<byte> datagram)
    {
        int end = datagram.IndexOf((byte)0);
        ReadOnlySpan<byte> header = end < 0 ? datagram : datagram[..end];
        int at = header.IndexOf((byte)'@');
        if (at <= 0 || at == header.Length - 1)
            return null; // "libudev\0..." or not a uevent
        string action = Encoding.UTF8.GetString(header[..at]);
        string devPath = Encoding.UTF8.GetString(header[(at + 1)..]);
        if (!devPath.StartsWith('/'))
            return null;

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        ReadOnlySpan<byte> rest = end < 0 ? default : datagram[(end + 1)..];
        while (!rest.IsEmpty)
        {
            int next = rest.IndexOf((byte)0);
            ReadOnlySpan<byte> field = next < 0 ? rest : rest[..next];
            rest = next < 0 ? default : rest[(next + 1)..];
            int eq = field.IndexOf((byte)'=');
            if (eq > 0)
                properties[Encoding.UTF8.GetString(field[..eq])] = Encoding.UTF8.GetString(field[(eq + 1)..]);
        }
        // The header and the fields say the same thing in a kernel message; a mismatch is not one.
        if (properties.TryGetValue("ACTION", out string? a) && a != action)
            return null;
        if (properties.TryGetValue("DEVPATH", out string? d) && d != devPath)
            return null;
        return new UeventMessage(action, devPath, properties);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Action}@{DevPath}";
}
