using System.Globalization;

namespace NvmeNative.Topology;

/// <summary>
/// The kernel's NVMe object names (K core.c, multipath.c): controllers <c>nvmeC</c>, subsystems
/// <c>nvme-subsysS</c>, namespace block devices <c>nvmeXnY</c> (a head, or a non-multipath device) and hidden
/// multipath path disks <c>nvmeScCnH</c>, whose head is <c>nvmeSnH</c>.
/// </summary>
internal static class SysfsNames
{
    internal const string SubsystemPrefix = "nvme-subsys";

    /// <summary><c>nvmeC</c> → C.</summary>
    internal static bool TryController(string name, out int instance)
    {
        instance = 0;
        return name.StartsWith("nvme", StringComparison.Ordinal) && TryNumber(name.AsSpan(4), out instance);
    }

    /// <summary><c>nvme-subsysS</c> → S.</summary>
    internal static bool TrySubsystem(string name, out int instance)
    {
        instance = 0;
        return name.StartsWith(SubsystemPrefix, StringComparison.Ordinal) && TryNumber(name.AsSpan(SubsystemPrefix.Length), out instance);
    }

    /// <summary><c>nvmeXnY</c> → (X, Y).</summary>
    internal static bool TryNamespace(string name, out int x, out int y)
    {
        x = y = 0;
        if (!name.StartsWith("nvme", StringComparison.Ordinal))
            return false;
        ReadOnlySpan<char> rest = name.AsSpan(4);
        int n = rest.IndexOf('n');
        return n > 0 && TryNumber(rest[..n], out x) && TryNumber(rest[(n + 1)..], out y);
    }

    /// <summary><c>nvmeScCnH</c> → (S, C, H).</summary>
    internal static bool TryPath(string name, out int subsystem, out int controller, out int head)
    {
        subsystem = controller = head = 0;
        if (!name.StartsWith("nvme", StringComparison.Ordinal))
            return false;
        ReadOnlySpan<char> rest = name.AsSpan(4);
        int c = rest.IndexOf('c');
        if (c <= 0 || !TryNumber(rest[..c], out subsystem))
            return false;
        rest = rest[(c + 1)..];
        int n = rest.IndexOf('n');
        return n > 0 && TryNumber(rest[..n], out controller) && TryNumber(rest[(n + 1)..], out head);
    }

    internal static string Controller(int instance) => $"nvme{instance}";

    internal static string Subsystem(int instance) => $"{SubsystemPrefix}{instance}";

    internal static string Head(int subsystem, int head) => $"nvme{subsystem}n{head}";

    // Plain decimal only: no sign, no leading '+', no white space (kernel names never have them).
    private static bool TryNumber(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        return !digits.IsEmpty && char.IsAsciiDigit(digits[0])
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
