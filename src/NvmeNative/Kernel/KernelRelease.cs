using System.Globalization;

namespace NvmeNative.Kernel;

/// <summary>
/// The running kernel's release (<c>/proc/sys/kernel/osrelease</c>, e.g. <c>5.10.0-46-amd64</c>) and the version it
/// starts with. Used only for what a kernel has no other way of telling: whether it sends an event that older kernels
/// do not (a missing event cannot be detected by waiting for it), and which fabrics options a kernel too old to list
/// them accepts. Whatever can be detected (a sysfs attribute, a listed option) is detected instead.
/// </summary>
internal sealed record KernelRelease(string Text, int Major, int Minor)
{
    /// <summary>A release whose version could not be read: taken for a current kernel (every feature assumed).</summary>
    internal static KernelRelease Unknown { get; } = new("(unknown)", int.MaxValue, int.MaxValue);

    /// <summary>The running kernel's release (<see cref="Unknown"/> when procfs cannot say).</summary>
    internal static KernelRelease Read(KernelPaths paths)
    {
        try
        {
            return SysfsFile.TryRead(Path.Combine(paths.Proc, "sys/kernel/osrelease")) is { } text ? Parse(text.Trim()) : Unknown;
        }
        catch (Errors.NvmeNativeException)
        {
            return Unknown;
        }
    }

    /// <summary>Parses <c>MAJOR.MINOR[.anything]</c>; any other text is kept, with the version of <see cref="Unknown"/>.</summary>
    internal static KernelRelease Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseVersion(text, out int major, out int minor) ? new KernelRelease(text, major, minor) : Unknown with { Text = text };
    }

    /// <summary>True when this release is <paramref name="major"/>.<paramref name="minor"/> or later.</summary>
    internal bool IsAtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    /// <summary>True when this release is at least the version <paramref name="version"/> (<c>MAJOR.MINOR</c>) names.</summary>
    internal bool IsAtLeast(string version) =>
        !TryParseVersion(version, out int major, out int minor) || IsAtLeast(major, minor);

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static bool TryParseVersion(string text, out int major, out int minor)
    {
        major = minor = 0;
        int dot = text.IndexOf('.');
        if (dot <= 0)
            return false;
        int end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
            end++;
        return end > dot + 1 &&
               int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out major) &&
               int.TryParse(text.AsSpan(dot + 1, end - dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }
}
