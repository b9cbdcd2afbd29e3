namespace NvmeNative.Benchmarks.Lab;

internal static class Leftovers
{
    /// <summary>
    /// After a detach no controller to the volume may remain: delete any that did (so the next iteration
    /// starts clean) and fail the benchmark case, whose detach did not do its job.
    /// </summary>
    public static void Check(LoopbackVolume volume)
    {
        var left = BenchTargets.DeleteControllersOf([volume.Nqn]);
        if (left.Count > 0)
            throw new InvalidOperationException($"the detach left controller(s) {string.Join(", ", left)} of {volume.Nqn} (now deleted)");
    }
}
