using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Asks the live controllers of a replica the record says failed (or being rebuilt), and whose namespace the host does
/// not show, to scan their namespaces again: first one interval after the namespace is seen missing, then at doubling
/// intervals up to eight times that while it stays missing; forgotten once it is back.
/// </summary>
/// <remarks>
/// The target's namespace-change notice is what brings a namespace back, and it wakes the monitor by uevent; this is the
/// safety net for a notice the host loses. Seen on 7.2 (about 1 in 12 lab runs): a namespace re-enabled on the target
/// while the host was still removing it never came back, although its controller stayed live and the host ran the scan
/// the notice asked for; one more scan brought it back at once. Rescanning costs the target two Identify commands.
/// </remarks>
internal sealed class MissingNamespaceRescans(KernelPaths paths, TimeSpan interval, Func<long> nowMilliseconds, ILogger log)
{
    private readonly Dictionary<string, (long DueAt, long IntervalMs)> _pending = new(StringComparer.Ordinal);
    private readonly long _firstMs = Math.Max(1, (long)interval.TotalMilliseconds);

    /// <summary>
    /// Rescans (when due) the live controllers of each replica in <paramref name="missing"/>; controllers of replicas no
    /// longer missing are forgotten, so a later loss starts again from one interval.
    /// </summary>
    internal void Rescan(HostView view, IEnumerable<ReplicaIdentity> missing)
    {
        long now = nowMilliseconds();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in missing)
        {
            foreach (var controller in view.Controllers.Values.Where(c => c.SubsystemNqn == replica.TargetNqn && c.State == ControllerState.Live))
            {
                seen.Add(controller.Name);
                if (!_pending.TryGetValue(controller.Name, out var pending))
                {
                    _pending[controller.Name] = (now + _firstMs, _firstMs);
                    continue;
                }
                if (now < pending.DueAt)
                    continue;
                int errno = NvmeAdmin.TryRescan(paths, controller.Name);
                long next = Math.Min(pending.IntervalMs * 2, _firstMs * 8);
                _pending[controller.Name] = (now + next, next);
                if (errno == 0)
                    MonitorLog.Healing(log, controller.Name, "rescanning its namespaces for", replica.ToString(),
                        $"failed on record, its namespace absent although the controller is live; next in {next / 1000} s if still absent");
                else
                    MonitorLog.Warning(log, $"cannot rescan {controller.Name} for {replica}: {ErrnoText.Describe(errno)}");
            }
        }
        foreach (string gone in _pending.Keys.Where(k => !seen.Contains(k)).ToList())
            _pending.Remove(gone);
    }
}
