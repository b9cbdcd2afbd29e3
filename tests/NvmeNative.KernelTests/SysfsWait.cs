using System.Diagnostics;

namespace NvmeNative.KernelTests;

/// <summary>
/// Bounded re-reading of sysfs, ONLY for facts the kernel announces by no event: an NVMe controller's
/// `state` attribute is never sysfs_notify()'d and a controller leaving `live` sends no uevent (only
/// reconnecting does: NVME_EVENT=connected). Everything that has an event waits on it (<see cref="UeventWatch"/>).
/// </summary>
internal static class SysfsWait
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    internal static void Until(Func<bool> condition, TimeSpan timeout, string what, Func<string> lastSeen)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                Assert.Fail($"{what} did not happen within {timeout.TotalSeconds:0} s; last seen: {lastSeen()}");
            Thread.Sleep(Interval); // no event exists for this (see the class comment)
        }
    }
}
