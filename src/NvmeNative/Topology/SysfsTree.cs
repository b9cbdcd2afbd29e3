using System.Globalization;
using System.IO.Enumeration;
using NvmeNative.Kernel;

namespace NvmeNative.Topology;

/// <summary>
/// Reads the NVMe part of sysfs under an injectable root. Objects come and go while we read (a controller
/// deleted, a namespace removed), so every read tolerates a vanished file or directory and reports it as
/// absent rather than failing.
/// </summary>
internal sealed class SysfsTree(KernelPaths paths)
{
    internal KernelPaths Paths { get; } = paths;

    internal string ControllerClass => Path.Combine(Paths.Sys, "class", "nvme");

    internal string SubsystemClass => Path.Combine(Paths.Sys, "class", "nvme-subsystem");

    internal string ControllerDir(string name) => Path.Combine(ControllerClass, name);

    internal string SubsystemDir(string name) => Path.Combine(SubsystemClass, name);

    internal string BlockDir(string name) => Path.Combine(Paths.Sys, "block", name);

    internal string DevicePath(string name) => Path.Combine(Paths.Dev, name);

    internal string MultipathParameter => Path.Combine(Paths.Sys, "module", "nvme_core", "parameters", "multipath");

    /// <summary>An attribute's value without trailing white space (model and serial are space-padded), or null
    /// when it does not exist or is empty (libnvme treats an empty value as absent too).</summary>
    internal static string? Attribute(string dir, string name)
    {
        string? value = SysfsFile.TryRead(Path.Combine(dir, name))?.TrimEnd();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>Whether the attribute (trailing white space aside) is exactly <paramref name="expected"/>, without decoding it.</summary>
    internal static bool AttributeIs(string dir, string name, ReadOnlySpan<byte> expected) =>
        SysfsFile.ContentIs(string.Concat(dir, "/", name), expected);

    internal static int? IntAttribute(string dir, string name) =>
        int.TryParse(Attribute(dir, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null;

    internal static uint? UIntAttribute(string dir, string name) =>
        uint.TryParse(Attribute(dir, name), NumberStyles.None, CultureInfo.InvariantCulture, out uint v) ? v : null;

    internal static long? LongAttribute(string dir, string name) =>
        long.TryParse(Attribute(dir, name), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;

    internal static Guid? GuidAttribute(string dir, string name) =>
        Guid.TryParse(Attribute(dir, name), out Guid g) && g != Guid.Empty ? g : null;

    /// <summary>The names in a directory (files, directories and symlinks); empty when it does not exist (any more).</summary>
    internal static IReadOnlyList<string> Entries(string dir)
    {
        try
        {
            // Names only: no stat of each entry (a controller directory has ~40).
            return new FileSystemEnumerable<string>(dir, static (ref FileSystemEntry e) => e.FileName.ToString()).ToList();
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            return [];
        }
    }

    internal static bool Exists(string path) => Directory.Exists(path);
}
