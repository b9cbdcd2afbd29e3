namespace NvmeNative.Md;

/// <summary>An array as sysfs shows it (<c>/sys/block/mdN/md/</c>).</summary>
/// <param name="Device">The md device.</param>
/// <param name="RunState">array_state.</param>
/// <param name="RawRunState">array_state as the kernel wrote it.</param>
/// <param name="Level">level, e.g. "raid1" (empty when not running).</param>
/// <param name="RaidDisks">raid_disks: the number of mirror slots.</param>
/// <param name="Degraded">degraded: slots without an in-sync member (0 when the array is not running).</param>
/// <param name="SyncAction">sync_action.</param>
/// <param name="SyncCompleted">sync_completed: "none", "delayed" or "DONE / TOTAL" sectors.</param>
/// <param name="ComponentSizeKiB">component_size: the size used on each member, in KiB.</param>
/// <param name="Uuid">uuid, as the kernel prints it (8-4-4-4-12 hex), or null when not available.</param>
/// <param name="Members">Every bound member.</param>
public sealed record MdArrayState(
    MdDeviceName Device,
    MdRunState RunState,
    string RawRunState,
    string Level,
    int RaidDisks,
    int Degraded,
    MdSyncAction SyncAction,
    string SyncCompleted,
    long ComponentSizeKiB,
    string? Uuid,
    IReadOnlyList<MdMemberState> Members)
{
    /// <summary>True when the array is started (any state other than clear or inactive).</summary>
    public bool IsRunning => RunState is not (MdRunState.Clear or MdRunState.Inactive);

    /// <summary>True when running, not degraded, no sync running, and every member an in-sync mirror.</summary>
    public bool IsInSync => IsRunning && Degraded == 0 && SyncAction == MdSyncAction.Idle &&
        Members.Count == RaidDisks && Members.All(m => m.IsActive);
}
