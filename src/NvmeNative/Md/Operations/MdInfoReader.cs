namespace NvmeNative.Md;

/// <summary>Turns GET_ARRAY_INFO and GET_DISK_INFO into <see cref="MdArrayInfo"/>.</summary>
internal static class MdInfoReader
{
    // The most descriptor numbers a v1.x superblock can have (dev_roles in a 4 KiB superblock).
    private const int MaxDescriptors = (4096 - 256) / 2;

    internal static MdArrayInfo? Read(MdControl control)
    {
        if (control.GetArrayInfo() is not { } a)
            return null;
        var disks = new List<MdDiskInfo>();
        for (int number = 0; number < MaxDescriptors && disks.Count < a.nr_disks; number++)
        {
            var d = control.GetDiskInfo(number);
            if (d.major == 0 && d.minor == 0)
                continue;
            disks.Add(new MdDiskInfo(d.number, (uint)d.major, (uint)d.minor, d.raid_disk, (MdDiskStates)d.state));
        }
        return new MdArrayInfo(control.Device, a.major_version, a.minor_version, a.level, a.size, a.raid_disks, a.nr_disks,
            a.active_disks, a.working_disks, a.failed_disks, a.spare_disks,
            Clean: (a.state & (1 << Interop.MdP.MD_SB_CLEAN)) != 0,
            HasInternalBitmap: (a.state & (1 << Interop.MdP.MD_SB_BITMAP_PRESENT)) != 0,
            disks);
    }
}
