namespace NvmeNative.Monitoring;

/// <summary>
/// Paces a repeated attempt per key (a controller to rescan, a device to re-add): the first attempt is due at once, the
/// next <c>first</c> later, then at doubling intervals up to <c>max</c>. A key forgotten (its trouble
/// over) starts from the beginning again. Times are the caller's monotonic milliseconds, so tests drive a fake clock.
/// </summary>
internal sealed class RetryPacing(TimeSpan first, TimeSpan max)
{
    private readonly long _firstMs = (long)first.TotalMilliseconds, _maxMs = (long)max.TotalMilliseconds;
    private readonly Dictionary<string, (long DueAt, long IntervalMs)> _keys = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether an attempt for <paramref name="key"/> is due at <paramref name="now"/>; when it is, the attempt is counted
    /// and the next one scheduled. <paramref name="first"/> says it is the key's first (nothing was due before).
    /// </summary>
    internal bool TryTake(string key, long now, out bool first)
    {
        first = !_keys.TryGetValue(key, out var pacing);
        if (first)
        {
            _keys[key] = (now + _firstMs, _firstMs);
            return true;
        }
        if (now < pacing.DueAt)
            return false;
        long next = Math.Min(pacing.IntervalMs * 2, _maxMs);
        _keys[key] = (now + next, next);
        return true;
    }

    /// <summary>How long after <paramref name="now"/> the next attempt of any key is due (zero when one is overdue); null with none.</summary>
    internal TimeSpan? NextDueIn(long now) =>
        _keys.Count == 0 ? null : TimeSpan.FromMilliseconds(Math.Max(0, _keys.Values.Min(k => k.DueAt) - now));

    /// <summary>When the next attempt for <paramref name="key"/> is due after <paramref name="now"/>; null if the key is not paced.</summary>
    internal TimeSpan? DueIn(string key, long now) =>
        _keys.TryGetValue(key, out var pacing) ? TimeSpan.FromMilliseconds(Math.Max(0, pacing.DueAt - now)) : null;

    internal void Forget(string key) => _keys.Remove(key);

    /// <summary>Forgets every key not in <paramref name="keep"/>.</summary>
    internal void ForgetAllBut(IReadOnlySet<string> keep)
    {
        foreach (string key in _keys.Keys.Where(k => !keep.Contains(k)).ToList())
            _keys.Remove(key);
    }
}
