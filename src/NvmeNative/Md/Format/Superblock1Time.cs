namespace NvmeNative.Md.Format;

/// <summary>
/// A v1.x superblock time (ctime, utime): the low 40 bits are seconds since the Unix epoch, the high 24 bits
/// microseconds. mdadm --create writes time(0) with 0 µs; the kernel writes ktime_get_real_seconds() for utime.
/// </summary>
internal readonly record struct Superblock1Time
{
    internal const ulong SecondsMask = Interop.MdP.MD_SUPERBLOCK_1_TIME_SEC_MASK;
    internal const uint MaxMicroseconds = (1u << 24) - 1;

    internal Superblock1Time(ulong seconds, uint microseconds = 0)
    {
        if (seconds > SecondsMask)
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "more than 40 bits of seconds");
        if (microseconds > MaxMicroseconds)
            throw new ArgumentOutOfRangeException(nameof(microseconds), microseconds, "more than 24 bits of microseconds");
        Seconds = seconds;
        Microseconds = microseconds;
    }

    internal ulong Seconds { get; }

    /// <summary>The 24-bit microseconds field as stored (the kernel and mdadm never store 10^6 or more, but 24 bits could).</summary>
    internal uint Microseconds { get; }

    /// <summary>The stored 64-bit value.</summary>
    internal ulong Raw => Seconds | ((ulong)Microseconds << 40);

    internal static Superblock1Time FromRaw(ulong raw) => new(raw & SecondsMask, (uint)(raw >> 40));

    /// <summary>What mdadm stores for a creation time: whole seconds, microseconds 0.</summary>
    internal static Superblock1Time FromCreationTime(DateTimeOffset time)
    {
        long seconds = time.ToUnixTimeSeconds();
        if (seconds < 0)
            throw new ArgumentOutOfRangeException(nameof(time), time, "before the Unix epoch");
        return new Superblock1Time((ulong)seconds);
    }

    internal DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.FromUnixTimeSeconds((long)Seconds).AddTicks(Math.Min(Microseconds, 999_999u) * TimeSpan.TicksPerMicrosecond);

    public override string ToString() => $"{ToDateTimeOffset():u} (+{Microseconds} µs field)";
}
