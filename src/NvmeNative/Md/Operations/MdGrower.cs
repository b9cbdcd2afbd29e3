using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Grows a RAID1 array to its members' current size, as <c>mdadm --grow --size=max</c> does (Grow.c): freeze sync
/// actions, write 0 ("as large as the device allows") to every member's dev-*/size so md re-reads the member's
/// capacity and rewrites its superblock's data_size, then 0 to component_size so the array takes the smallest
/// member size, and unfreeze. md then resyncs the added region (bitmap-guided), as mdadm without --assume-clean.
/// </summary>
internal sealed class MdGrower(MdPaths paths)
{
    internal long GrowToMax(MdDeviceName md)
    {
        const string operation = "grow";
        var state = MdSysfs.TryRead(paths, md)
            ?? throw new InvalidInputException("no such md device", operation, "device", paths.Node(md), errno: (int)Errno.ENODEV);
        if (!state.IsRunning)
            throw new InvalidInputException($"the array is not running (array_state {state.RawRunState})", operation, "device", paths.Node(md));
        if (state.Level != "raid1")
            throw new InvalidInputException($"only RAID1 arrays are grown here, not {state.Level}", operation, "device", paths.Node(md));
        if (state.RunState == MdRunState.ReadOnly)
            throw new InvalidInputException("the array is read-only", operation, "device", paths.Node(md), errno: (int)Errno.EROFS);
        if (state.SyncAction is not (MdSyncAction.Idle or MdSyncAction.Recover))
            throw new MdException($"a {state.SyncAction.ToString().ToLowerInvariant()} is running; grow when it is done", operation, paths.Node(md),
                errno: (int)Errno.EBUSY);
        if (state.RunState == MdRunState.ReadAuto)
            Write(md, "array_state", "clean", null); // as mdadm's freeze(): a read-auto array cannot change size

        Write(md, "sync_action", "frozen", null);
        try
        {
            foreach (var member in state.Members.Where(m => !m.Flags.HasFlag(MdMemberFlags.Faulty)))
                Write(md, Path.Combine("dev-" + member.KernelName.Replace('/', '!'), "size"), "0", member.KernelName);
            Write(md, "component_size", "0", null);
        }
        finally
        {
            Write(md, "sync_action", "idle", null);
        }
        return MdSysfs.SizeBytes(paths, md, operation);
    }

    private void Write(MdDeviceName md, string attribute, string value, string? member)
    {
        string path = paths.Attribute(md, attribute);
        try
        {
            SysfsFile.Write(path, value);
        }
        catch (NvmeNativeException e) when (e is not MdException)
        {
            throw new MdException($"writing '{value}' to {attribute} failed", $"write {path}", paths.Node(md), member, e.ErrnoValue, e);
        }
    }
}
