using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>The md layer's view of a <see cref="FakeKernelTree"/>: /proc/mdstat, md_mod, and md devices with their members in sysfs.</summary>
internal static class FakeMdSysfs
{
    extension(FakeKernelTree tree)
    {
        internal MdPaths MdPaths => new(tree.Paths);

        internal void MdStat(string content) => tree.Write(Path.Combine(tree.Paths.Proc, "mdstat"), content);

        internal void LoadMdMod() => tree.Write(Path.Combine(tree.Paths.Sys, "module/md_mod/parameters/new_array"), "");

        /// <summary>An md device's sysfs directory with the given attributes.</summary>
        internal void Md(string name, params (string Attribute, string Value)[] attributes) =>
            tree.Attributes(Path.Combine(tree.Paths.Sys, "block", name, "md"), attributes);

        /// <summary>A member directory md/dev-KNAME with state, slot, size and block/dev.</summary>
        internal void Member(string md, string kernelName, string devNumbers, string state, string slot, long sizeKiB = 1024)
        {
            string dir = Path.Combine(tree.Paths.Sys, "block", md, "md", "dev-" + kernelName);
            tree.Attributes(dir, ("state", state), ("slot", slot), ("size", sizeKiB.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            tree.Write(Path.Combine(dir, "block", "dev"), devNumbers);
        }
    }
}
