using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Asks the live controllers of a replica the record says failed (or being rebuilt), and whose namespace the host does
/// not show, to scan their namespaces again: <see cref="FirstDelay"/> after the namespace is seen missing, then at
/// doubling intervals up to <see cref="MaxDelay"/> while it stays missing; forgotten once it is back. The rescans keep
/// their own time (the monitor is woken for the next one), not the recheck interval's.
/// </summary>
/// <remarks>
/// The target's namespace-change notice is what brings a namespace back, and it wakes the monitor by uevent; this is the
/// safety net for a notice the host loses. Seen on 7.2 (3 of 32 lab runs of one test): a namespace re-enabled on the
/// target while the host was still removing it never came back, although its controller stayed live and the host ran
/// the scan the notice asked for; one more scan brought it back at once. A rescan costs the target two Identify commands.
/// </remarks>
internal sealed class MissingNamespaceRescans(KernelPaths paths, Func<long> nowMilliseconds, Action<TimeSpan> wakeIn, ILogger log)
{
    /// <summary>How long after a replica's namespace is first seen missing its controllers are first rescanned.</summary>
    internal static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause between two rescans of a controller while the namespace stays missing.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(320);

    // Per controller; its first "attempt" is the moment the namespace is seen missing, which only starts the clock.
    private readonly RetryPacing _pacing = new(FirstDelay, MaxDelay);

    /// <summary>
    /// Rescans (when due) the live controllers of each replica in <paramref name="missing"/> and asks to be woken for
    /// the next one due; controllers of replicas no longer missing are forgotten, so a later loss starts again from
    /// <see cref="FirstDelay"/>.
    /// </summary>
    internal void Rescan(HostView view, IEnumerable<ReplicaIdentity> missing)
    {
        long now = nowMilliseconds();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in missing)
        {
            foreach (var controller in view.Controllers.Values.Where(c => c.SubsystemNqn == replica.TargetNqn && c.State == ControllerState.Live))
            {
                if (!seen.Add(controller.Name))
                    continue;
                if (!_pacing.TryTake(controller.Name, now, out bool first) || first)
                    continue;
                int errno = NvmeAdmin.TryRescan(paths, controller.Name);
                long next = (long)_pacing.DueIn(controller.Name, now)!.Value.TotalMilliseconds;
                if (errno == 0)
                    MonitorLog.Healing(log, controller.Name, "rescanning its namespaces for", replica.ToString(),
                        $"failed on record, its namespace absent although the controller is live; next in {next / 1000} s if still absent");
                else
                    MonitorLog.Warning(log, $"cannot rescan {controller.Name} for {replica}: {ErrnoText.Describe(errno)}");
            }
        }
        _pacing.ForgetAllBut(seen);
        if (_pacing.NextDueIn(now) is { } due)
            wakeIn(due);
    }
}
