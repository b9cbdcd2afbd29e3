using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>Finds a member of a running array from what a caller holds: its device path, or its kernel name once the path is gone.</summary>
internal static class MdMembers
{
    /// <summary>
    /// The bound member that <paramref name="member"/> names: a block device path (matched by device number), or
    /// a kernel name ("nvme1n1"), which still works after the device node vanished (a lost NVMe namespace).
    /// </summary>
    internal static MdMemberState Resolve(MdPaths paths, MdDeviceName md, string member, string operation)
    {
        var state = MdSysfs.TryRead(paths, md)
            ?? throw new InvalidInputException($"no such md device {md}", operation, "device", paths.Node(md), errno: (int)Errno.ENODEV);
        MdMemberState? found = null;
        if (member.StartsWith('/') && File.Exists(member))
        {
            var (major, minor) = MemberClaim.RequireBlockDevice(member, operation);
            found = state.Members.FirstOrDefault(m => m.Major == major && m.Minor == minor);
        }
        found ??= state.Members.FirstOrDefault(m => m.KernelName == Path.GetFileName(member));
        return found ?? throw new InvalidInputException($"not a member of {md}", operation, nameof(member), member, errno: (int)Errno.ENODEV);
    }
}
