using Microsoft.Extensions.Options;
using NvmeNative.Errors;
using NvmeNative.ReplicaState;

namespace NvmeNative.Extensions.DependencyInjection;

/// <summary>
/// Checks <see cref="NvmeNativeOptions"/> when the host starts (<c>ValidateOnStart</c>), so a bad setting stops the
/// agent at start-up, naming the key, rather than at its first attach. Written out (no data annotations): no reflection.
/// </summary>
internal sealed class NvmeNativeOptionsValidator : IValidateOptions<NvmeNativeOptions>
{
    public ValidateOptionsResult Validate(string? name, NvmeNativeOptions options)
    {
        var failures = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
                failures.Add($"{NvmeNativeOptions.SectionName}:{key} must be positive (it is {value})");
        }
        void Timeouts(string key, ControllerTimeoutSettings? t)
        {
            if (t is null)
            {
                failures.Add($"{NvmeNativeOptions.SectionName}:{key} must not be null");
                return;
            }
            foreach (var (field, value) in new[] { ("ReconnectDelay", t.ReconnectDelay), ("FastIoFailTimeout", t.FastIoFailTimeout), ("KeepAliveTimeout", t.KeepAliveTimeout) })
                if (value is { } v && v < TimeSpan.Zero && v != Timeout.InfiniteTimeSpan)
                    failures.Add($"{NvmeNativeOptions.SectionName}:{key}:{field} must not be negative (it is {v})");
        }

        Positive(nameof(options.DeviceTimeout), options.DeviceTimeout);
        Positive(nameof(options.PathsTimeout), options.PathsTimeout);
        Positive(nameof(options.ReconnectTimeout), options.ReconnectTimeout);
        if (options.LockTimeout < TimeSpan.Zero && options.LockTimeout != Timeout.InfiniteTimeSpan)
            failures.Add($"{NvmeNativeOptions.SectionName}:{nameof(options.LockTimeout)} must not be negative unless infinite (it is {options.LockTimeout})");
        if (options.LockFile is { } lockFile && !Path.IsPathFullyQualified(lockFile))
            failures.Add($"{NvmeNativeOptions.SectionName}:{nameof(options.LockFile)} must be an absolute path (it is '{lockFile}')");
        if (options.ReplicaStateStore is { } store)
        {
            try
            {
                ReplicaStateStoreUri.Parse(store);
            }
            catch (InvalidInputException e)
            {
                failures.Add($"{NvmeNativeOptions.SectionName}:{nameof(options.ReplicaStateStore)}: {e.Message}");
            }
        }
        Timeouts(nameof(options.SingleVolumeTimeouts), options.SingleVolumeTimeouts);
        Timeouts(nameof(options.ReplicaLegTimeouts), options.ReplicaLegTimeouts);
        if (options.Monitor is not { } monitor)
        {
            failures.Add($"{NvmeNativeOptions.SectionName}:{nameof(options.Monitor)} must not be null");
        }
        else
        {
            Positive("Monitor:" + nameof(monitor.RecheckInterval), monitor.RecheckInterval);
            if (monitor.HookQueueCapacity < 1)
                failures.Add($"{NvmeNativeOptions.SectionName}:Monitor:{nameof(monitor.HookQueueCapacity)} must be at least 1");
            if (monitor.HookMaxAttempts < 1)
                failures.Add($"{NvmeNativeOptions.SectionName}:Monitor:{nameof(monitor.HookMaxAttempts)} must be at least 1");
            if (monitor.HookRetryDelay < TimeSpan.Zero)
                failures.Add($"{NvmeNativeOptions.SectionName}:Monitor:{nameof(monitor.HookRetryDelay)} must not be negative");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
