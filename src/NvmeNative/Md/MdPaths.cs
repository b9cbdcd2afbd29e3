using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>Every path the Md layer touches, built from one <see cref="KernelPaths"/> so tests can use a fake tree.</summary>
internal sealed class MdPaths(KernelPaths paths)
{
    internal KernelPaths Kernel { get; } = paths;

    /// <summary>/sys/module/md_mod/parameters/new_array: writing "mdN" allocates that md device.</summary>
    internal string NewArray => Kernel.SysPath("module/md_mod/parameters/new_array");

    /// <summary>
    /// True when the running kernel reads the superblock's logical_block_size field (and writes it for the arrays it
    /// creates): md gained it after 6.18 together with the <c>check_new_feature</c> module parameter, whose presence is
    /// the sign. Older kernels refuse a superblock that sets the field.
    /// </summary>
    internal bool KernelKnowsLogicalBlockSizeField => File.Exists(Kernel.SysPath("module/md_mod/parameters/check_new_feature"));

    /// <summary>/proc/mdstat.</summary>
    internal string MdStat => Path.Combine(Kernel.Proc, "mdstat");

    /// <summary>/sys/block: md devices appear here as mdN.</summary>
    internal string SysBlock => Kernel.SysPath("block");

    /// <summary>/dev/mdN.</summary>
    internal string Node(MdDeviceName md) => Kernel.DevPath(md.Value);

    /// <summary>/sys/block/mdN.</summary>
    internal string SysDevice(MdDeviceName md) => Path.Combine(SysBlock, md.Value);

    /// <summary>/sys/block/mdN/md: the md attributes.</summary>
    internal string MdDir(MdDeviceName md) => Path.Combine(SysDevice(md), "md");

    /// <summary>/sys/block/mdN/md/ATTRIBUTE.</summary>
    internal string Attribute(MdDeviceName md, string attribute) => Path.Combine(MdDir(md), attribute);

    /// <summary>/sys/block/mdN/md/dev-KNAME/ATTRIBUTE for a member.</summary>
    internal string MemberAttribute(MdDeviceName md, string kernelName, string attribute) =>
        Path.Combine(MdDir(md), "dev-" + kernelName.Replace('/', '!'), attribute);

    /// <summary>/dev/md: the directory of name links.</summary>
    internal string LinkDir => Kernel.DevPath("md");

    /// <summary>/dev/md/NAME.</summary>
    internal string Link(MdArrayName name) => Path.Combine(LinkDir, name.Value);

    /// <summary>/run/mdadm: mdadm's runtime directory (map file and its lock).</summary>
    internal string MdadmRunDir => Path.Combine(Kernel.Run, "mdadm");

    /// <summary>/sys/dev/block/MAJ:MIN: links to the block device of a device number.</summary>
    internal string SysDevBlock(uint major, uint minor) => Kernel.SysPath($"dev/block/{major}:{minor}");

    /// <summary>/sys/class/block/KNAME.</summary>
    internal string SysClassBlock(string kernelName) => Kernel.SysPath(Path.Combine("class/block", kernelName));
}
