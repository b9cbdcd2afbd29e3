using System.Diagnostics;

namespace NvmeNative.Kernel;

/// <summary>
/// One code path for the synchronous and the asynchronous API. The core methods take <c>bool async</c>: with true they
/// await every wait (nothing blocks a thread while the kernel or another holder is awaited); with false they block the
/// calling thread in poll(2) and never yield, so the task they return has completed when they return, and the
/// synchronous wrapper takes its result without blocking a second thread (no sync-over-async).
/// </summary>
internal static class AsyncMode
{
    /// <summary>The result of a core method called with <c>async: false</c> (it has completed already).</summary>
    internal static T Completed<T>(ValueTask<T> task)
    {
        Debug.Assert(task.IsCompleted, "a core method called with async: false must not yield");
        return task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Completed{T}(ValueTask{T})"/>, for a core method without a result.</summary>
    internal static void Completed(ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "a core method called with async: false must not yield");
        task.GetAwaiter().GetResult();
    }
}
