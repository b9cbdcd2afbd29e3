using System.Globalization;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>Reads and parses md's sysfs attributes (formats from md.c's *_show functions).</summary>
internal static class MdSysfs
{
    /// <summary>The whole state of an array, or null when /sys/block/mdN/md does not exist (no such md device).</summary>
    internal static MdArrayState? TryRead(MdPaths paths, MdDeviceName md)
    {
        string dir = paths.MdDir(md);
        if (!Directory.Exists(dir))
            return null;
        string runState = SysfsFile.TryRead(Path.Combine(dir, "array_state")) ?? "clear";
        var members = new List<MdMemberState>();
        foreach (var memberDir in Directory.GetDirectories(dir, "dev-*").Order(StringComparer.Ordinal))
            if (TryReadMember(memberDir) is { } member)
                members.Add(member);
        return new MdArrayState(
            md,
            ParseRunState(runState),
            runState,
            SysfsFile.TryRead(Path.Combine(dir, "level")) ?? "",
            ParseInt(SysfsFile.TryRead(Path.Combine(dir, "raid_disks"))) ?? 0,
            ParseInt(SysfsFile.TryRead(Path.Combine(dir, "degraded"))) ?? 0,
            ParseSyncAction(SysfsFile.TryRead(Path.Combine(dir, "sync_action"))),
            SysfsFile.TryRead(Path.Combine(dir, "sync_completed")) ?? "none",
            ParseLong(SysfsFile.TryRead(Path.Combine(dir, "component_size"))) ?? 0,
            SysfsFile.TryRead(Path.Combine(dir, "uuid")),
            members);
    }

    /// <summary>The array's size in bytes, from /sys/block/mdN/size (512-byte sectors).</summary>
    internal static long SizeBytes(MdPaths paths, MdDeviceName md, string operation)
    {
        string text = SysfsFile.Read(Path.Combine(paths.SysDevice(md), "size"));
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long sectors) && sectors <= long.MaxValue / 512
            ? sectors * 512
            : throw new MdException($"/sys/block/{md}/size is '{text}', not a sector count", operation, paths.Node(md));
    }

    /// <summary>One dev-* directory; null if the member went away while we read it.</summary>
    internal static MdMemberState? TryReadMember(string memberDir)
    {
        string kernelName = Path.GetFileName(memberDir)["dev-".Length..].Replace('!', '/');
        string? state = SysfsFile.TryRead(Path.Combine(memberDir, "state"));
        string? dev = SysfsFile.TryRead(Path.Combine(memberDir, "block", "dev"));
        if (state is null || dev is null || !TryParseDevNumbers(dev, out uint major, out uint minor))
            return null;
        string? slot = SysfsFile.TryRead(Path.Combine(memberDir, "slot"));
        return new MdMemberState(kernelName, major, minor, ParseInt(slot), ParseMemberFlags(state), state,
            ParseLong(SysfsFile.TryRead(Path.Combine(memberDir, "size"))) ?? 0);
    }

    internal static MdRunState ParseRunState(string value) => value switch
    {
        "clear" => MdRunState.Clear,
        "inactive" => MdRunState.Inactive,
        "suspended" => MdRunState.Suspended,
        "readonly" => MdRunState.ReadOnly,
        "read-auto" => MdRunState.ReadAuto,
        "clean" => MdRunState.Clean,
        "active" => MdRunState.Active,
        "write-pending" => MdRunState.WritePending,
        "active-idle" => MdRunState.ActiveIdle,
        "broken" => MdRunState.Broken,
        _ => MdRunState.Unknown,
    };

    internal static MdSyncAction ParseSyncAction(string? value) => value switch
    {
        "idle" or null => MdSyncAction.Idle,
        "resync" => MdSyncAction.Resync,
        "recover" => MdSyncAction.Recover,
        "check" => MdSyncAction.Check,
        "repair" => MdSyncAction.Repair,
        "reshape" => MdSyncAction.Reshape,
        "frozen" => MdSyncAction.Frozen,
        _ => MdSyncAction.Unknown,
    };

    /// <summary>state_show joins words with ','; unknown words are ignored (they stay visible in RawState).</summary>
    internal static MdMemberFlags ParseMemberFlags(string value)
    {
        var flags = MdMemberFlags.None;
        foreach (var word in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            flags |= word switch
            {
                "faulty" => MdMemberFlags.Faulty,
                "in_sync" => MdMemberFlags.InSync,
                "write_mostly" => MdMemberFlags.WriteMostly,
                "blocked" => MdMemberFlags.Blocked,
                "spare" => MdMemberFlags.Spare,
                "write_error" => MdMemberFlags.WriteError,
                "want_replacement" => MdMemberFlags.WantReplacement,
                "replacement" => MdMemberFlags.Replacement,
                "failfast" => MdMemberFlags.FailFast,
                "journal" => MdMemberFlags.Journal,
                "external_bbl" => MdMemberFlags.ExternalBadBlocks,
                _ => MdMemberFlags.None,
            };
        return flags;
    }

    internal static bool TryParseDevNumbers(string value, out uint major, out uint minor)
    {
        minor = 0;
        int colon = value.IndexOf(':');
        return uint.TryParse(value.AsSpan(0, Math.Max(colon, 0)), NumberStyles.None, CultureInfo.InvariantCulture, out major) &
               uint.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out minor) && colon > 0;
    }

    /// <summary>A number, or null for "none", empty or a missing attribute.</summary>
    internal static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : null;

    internal static long? ParseLong(string? value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : null;
}
