using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Waits until an array reaches a condition, woken by md's sysfs notifications: md calls sysfs_notify on
/// array_state, sync_action, degraded and dev-*/state at every transition that matters here (run, md_error,
/// spare activation, sync start and end), so each wake-up re-reads the state and re-checks the condition.
/// </summary>
internal sealed class MdWaiter(MdPaths paths)
{
    internal async ValueTask<MdArrayState> WaitForAsync(MdDeviceName md, Func<MdArrayState, bool> condition, string awaited, TimeSpan timeout,
        bool async, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
        var initial = Read(md, awaited);
        if (condition(initial))
            return initial;
        var watched = new List<string>
        {
            paths.Attribute(md, "array_state"), paths.Attribute(md, "sync_action"), paths.Attribute(md, "degraded"),
        };
        watched.AddRange(initial.Members.Select(m => paths.MemberAttribute(md, m.KernelName, "state")).Where(File.Exists));
        SysfsWatch watch;
        try
        {
            watch = new SysfsWatch(watched);
        }
        catch (NvmeNativeException e) when (e is not MdException)
        {
            throw Gone(md, awaited, e);
        }
        using (watch)
        {
            while (true)
            {
                try
                {
                    watch.Arm();
                }
                catch (NvmeNativeException e) when (e is not MdException)
                {
                    throw Gone(md, awaited, e); // the attributes vanish when the array is stopped
                }
                var state = Read(md, awaited);
                if (condition(state))
                    return state;
                if (!await watch.WaitAsync(deadline, async, cancellationToken).ConfigureAwait(false))
                    throw new NvmeNativeTimeoutException($"{awaited} on {md}", Describe(state), timeout, paths.Node(md));
            }
        }
    }

    private MdArrayState Read(MdDeviceName md, string awaited) =>
        MdSysfs.TryRead(paths, md) ?? throw Gone(md, awaited, null);

    private MdException Gone(MdDeviceName md, string awaited, Exception? cause) =>
        new($"the array went away while waiting for: {awaited}", "wait", paths.Node(md), errno: (int)Errno.ENODEV,
            innerException: cause);

    /// <summary>The state in one line, for timeout messages.</summary>
    internal static string Describe(MdArrayState s)
    {
        var text = new StringBuilder();
        text.Append($"array_state={s.RawRunState} degraded={s.Degraded} sync_action={s.SyncAction.ToString().ToLowerInvariant()} sync_completed={s.SyncCompleted}");
        foreach (var m in s.Members)
            text.Append($" {m.KernelName}[{m.RawState}{(m.Slot is int slot ? " slot " + slot : "")}]");
        return text.ToString();
    }
}
