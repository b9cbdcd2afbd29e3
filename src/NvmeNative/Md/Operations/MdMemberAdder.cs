using System.Collections.Immutable;
using NvmeNative.Errors;
using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>
/// Puts members back into a running array: a re-add of a former member through the write-intent bitmap (mdadm
/// --re-add, Manage.c attempt_re_add), or a brand-new member that md rebuilds completely (mdadm --add).
/// </summary>
internal sealed class MdMemberAdder(MdPaths paths)
{
    private static readonly int ActiveSync = (1 << Interop.MdP.MD_DISK_ACTIVE) | (1 << Interop.MdP.MD_DISK_SYNC);

    /// <summary>
    /// Re-adds a former member with its own superblock: ADD_NEW_DISK with its dev_number, its old slot and
    /// ACTIVE|SYNC, so md validates its event count against the bitmap and recovers only the chunks written
    /// since it left. If the member is still attached as faulty it is detached first.
    /// </summary>
    internal void ReAdd(MdDeviceName md, string member)
    {
        const string operation = "re-add member";
        var (state, uuid) = RunningArray(md, operation);
        var (metadata, device) = MemberMetadataReader.Read(paths, member, operation);
        var sb = metadata?.Superblock
            ?? throw new InvalidInputException("it has no md superblock: add it as a new member instead", operation, nameof(member), member);
        if (sb.SetUuid != uuid)
            throw new InvalidInputException($"its superblock belongs to array {sb.SetUuid}, not {uuid}", operation, nameof(member), member);
        if (sb.Role >= Interop.MdP.MD_DISK_ROLE_MAX)
            throw new InvalidInputException($"its superblock says {MemberSuperblock.DescribeRole(sb.Role)}: add it as a new member instead",
                operation, nameof(member), member);

        using var control = MdControl.Open(paths, md, exclusive: false, operation);
        if (state.Members.FirstOrDefault(m => m.Major == device.Major && m.Minor == device.Minor) is { } bound)
        {
            if (!bound.Flags.HasFlag(MdMemberFlags.Faulty))
                throw new InvalidInputException("it is already a working member", operation, nameof(member), member, errno: (int)Errno.EEXIST);
            control.HotRemoveDisk(device.Major, device.Minor, member);
        }
        var slot = control.GetDiskInfo(checked((int)sb.DevNumber));
        if (slot.major != 0 || slot.minor != 0)
            throw new InvalidInputException($"its descriptor number {sb.DevNumber} is taken by {slot.major}:{slot.minor}", operation,
                nameof(member), member, errno: (int)Errno.EBUSY);
        control.AddNewDisk(new Interop.MdU.mdu_disk_info_t
        {
            number = (int)sb.DevNumber, raid_disk = sb.Role, major = (int)device.Major, minor = (int)device.Minor,
            state = ActiveSync | (sb.FailFast ? 1 << Interop.MdP.MD_DISK_FAILFAST : 0),
        }, member);
    }

    /// <summary>
    /// Adds a new member: a superblock is written for it from a working member's (same array, geometry, bitmap; its own
    /// device uuid and a free descriptor number, recorded as a spare), then ADD_NEW_DISK; md recovers it into the empty slot.
    /// </summary>
    internal void Add(MdDeviceName md, string member, bool failFast, bool overwriteExistingMetadata)
    {
        const string operation = "add member";
        var (state, uuid) = RunningArray(md, operation);
        var source = state.Members.FirstOrDefault(m => m.IsActive)
            ?? throw new InvalidInputException("the array has no working member to copy the metadata from", operation, "device", paths.Node(md));
        var (template, _) = MemberMetadataReader.Read(paths, paths.Kernel.DevPath(source.KernelName), operation, readBits: true);
        if (template is null || template.Superblock.SetUuid != uuid)
            throw new MdException($"cannot read the superblock of the working member {source.KernelName}", operation, paths.Node(md));

        var (major, minor) = MemberClaim.RequireBlockDevice(member, operation);
        MemberPartitions.Check(paths, member, major, minor, deletePartitions: false, operation, deleteOption: null);
        using var claim = MemberClaim.Claim(paths, member, operation);
        var old = MdSuperblockProbe.Find(claim.Fd, member, claim.Device.SizeBytes);
        if (old.Count > 0 && !overwriteExistingMetadata)
            throw new InvalidInputException("it carries md metadata: re-add it if it is a former member, or allow overwriting",
                operation, nameof(member), member);
        var sb = template.Superblock;
        ulong sectors = (ulong)claim.Device.SizeBytes / 512;
        // The template passed MemberMetadataBounds: data_offset + size fits on its device, so the sum cannot overflow.
        if (sectors < sb.DataOffset + sb.Size)
            throw new InvalidInputException($"it has {sectors} sectors; the array needs {sb.DataOffset + sb.Size}", operation,
                nameof(member), member, errno: (int)Errno.ENOSPC);

        using var control = MdControl.Open(paths, md, exclusive: false, operation);
        int number = FreeDescriptor(control, sb.MaxDev)
            ?? throw new MdException("no free descriptor number in the superblock's dev_roles", operation, paths.Node(md), member);
        var roles = sb.DevRoles.ToBuilder();
        roles[number] = Interop.MdP.MD_DISK_ROLE_SPARE;
        var fresh = sb with
        {
            DevNumber = (uint)number,
            DeviceUuid = MdUuid.NewRandom(),
            DataSize = sectors - sb.DataOffset,
            DevFlags = failFast ? Superblock1DeviceFlags.FailFast : Superblock1DeviceFlags.None,
            FeatureMap = sb.FeatureMap & ~Superblock1Features.RecoveryOffset,
            RecoveryOffset = 0,
            CntCorrectedRead = 0,
            DevRoles = roles.ToImmutable(),
        };
        if (old.Count > 0)
            MdSuperblockProbe.Erase(claim.Fd, member, old, claim.Device.LogicalBlockSize);
        MemberMetadataIO.Write(claim.Fd, member, template with { Superblock = fresh }, claim.Device.SizeBytes);
        var device = claim.Device;
        claim.Dispose(); // md claims the member itself
        // For a hot-add the kernel takes failfast and write-mostly from these state bits, not from the superblock.
        control.AddNewDisk(new Interop.MdU.mdu_disk_info_t
        {
            number = number, raid_disk = -1, major = (int)device.Major, minor = (int)device.Minor,
            state = failFast ? 1 << Interop.MdP.MD_DISK_FAILFAST : 0,
        }, member);
    }

    /// <summary>The lowest descriptor number no member uses (GET_DISK_INFO gives major = minor = 0), as mdadm's Manage_add picks.</summary>
    private static int? FreeDescriptor(MdControl control, int maxDev)
    {
        for (int number = 0; number < maxDev; number++)
        {
            var disk = control.GetDiskInfo(number);
            if (disk.major == 0 && disk.minor == 0)
                return number;
        }
        return null;
    }

    private (MdArrayState State, MdUuid Uuid) RunningArray(MdDeviceName md, string operation)
    {
        var state = MdSysfs.TryRead(paths, md);
        if (state is null || !state.IsRunning)
            throw new InvalidInputException(state is null ? "no such md device" : $"the array is not running ({state.RawRunState})",
                operation, "device", paths.Node(md), errno: (int)Errno.ENODEV);
        var uuid = new MdLocator(paths).UuidOf(md)
            ?? throw new MdException("the array's uuid is not available in sysfs", operation, paths.Node(md));
        return (state, uuid);
    }
}
