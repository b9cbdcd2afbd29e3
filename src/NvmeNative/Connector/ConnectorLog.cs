using Microsoft.Extensions.Logging;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// What the connector logs, through source-generated <see cref="LoggerMessage"/> methods (no formatting cost
/// when the level is off). Connect strings are logged only as <see cref="Fabrics.FabricsOptions.ToString"/>
/// renders them, with DH-HMAC-CHAP secrets masked; error messages are already redacted by the exception family.
/// </summary>
internal static partial class ConnectorLog
{
    [LoggerMessage(1, LogLevel.Debug, "Attaching {Nqn} through {PortalCount} portal(s), namespace {Selector}")]
    internal static partial void Attaching(ILogger logger, string nqn, int portalCount, string selector);

    [LoggerMessage(2, LogLevel.Information, "Reusing live controller {Controller} at {Portal} (rescanned its namespaces)")]
    internal static partial void ReusingLive(ILogger logger, string controller, string portal);

    [LoggerMessage(3, LogLevel.Information, "Controller {Controller} at {Portal} is {State}: waiting up to {Timeout} for it to be live")]
    internal static partial void WaitingForReconnect(ILogger logger, string controller, string portal, string state, TimeSpan timeout);

    [LoggerMessage(4, LogLevel.Information, "Connected {Controller} at {Portal} ({Options})")]
    internal static partial void Connected(ILogger logger, string controller, string portal, string options);

    [LoggerMessage(5, LogLevel.Information, "Controller {Controller} at {Portal} was created concurrently by another process: using it, never deleting it")]
    internal static partial void RacedConnect(ILogger logger, string controller, string portal);

    [LoggerMessage(6, LogLevel.Warning, "Portal {Portal} could not be connected: {Reason}")]
    internal static partial void PortalFailed(ILogger logger, string portal, string reason);

    [LoggerMessage(7, LogLevel.Information, "Attached {Nqn} {Selector} as {Device} through {Controllers} in {ElapsedMs} ms")]
    internal static partial void Attached(ILogger logger, string nqn, string selector, string device, string controllers, long elapsedMs);

    [LoggerMessage(8, LogLevel.Warning, "{Device} has no path through {Missing} after {Timeout}: returning it with the paths it has")]
    internal static partial void PathsMissing(ILogger logger, string device, string missing, TimeSpan timeout);

    [LoggerMessage(9, LogLevel.Warning, "Attach of {Nqn} failed ({Reason}); rolled back: {Done}; could not roll back: {Failed}")]
    internal static partial void RolledBack(ILogger logger, string nqn, string reason, string done, string failed);

    [LoggerMessage(10, LogLevel.Information, "Detached {Device} of {Nqn}: deleted {Deleted}, kept {Kept} (other namespaces in use)")]
    internal static partial void Detached(ILogger logger, string device, string nqn, string deleted, string kept);

    [LoggerMessage(11, LogLevel.Warning, "Detach of {Nqn} tolerated an error (force/ignore_errors): {Reason}")]
    internal static partial void DetachErrorTolerated(ILogger logger, string nqn, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Native NVMe multipath is off on this host: each portal of {Nqn} gets its own device")]
    internal static partial void MultipathOff(ILogger logger, string nqn);

    [LoggerMessage(13, LogLevel.Warning, "Replica {Index} ({Nqn}) of {Alias} could not be attached: {Reason}")]
    internal static partial void ReplicaFailed(ILogger logger, int index, string nqn, string alias, string reason);

    [LoggerMessage(14, LogLevel.Information, "Attached replicated volume {Alias} as {Device} ({Action} {Md} from {Members}; degraded: {Degraded}) in {ElapsedMs} ms")]
    internal static partial void ReplicatedAttached(ILogger logger, string alias, string device, string action, string md, string members, bool degraded, long elapsedMs);

    [LoggerMessage(15, LogLevel.Information, "{Md}: {How} {Member} (left out at assembly: {Reason})")]
    internal static partial void Healing(ILogger logger, string md, string how, string member, string reason);

    [LoggerMessage(16, LogLevel.Warning, "{Md}: could not bring {Member} back ({Reason}); the array runs without it")]
    internal static partial void HealFailed(ILogger logger, string md, string member, string reason);

    [LoggerMessage(17, LogLevel.Warning, "Replica {Index} ({Nqn}) of {Alias} could not be extended ({Reason}): extending the others and the array")]
    internal static partial void ReplicaMissing(ILogger logger, int index, string nqn, string alias, string reason);

    [LoggerMessage(18, LogLevel.Warning, "The replica-state store {Store} is unreachable for {Alias} ({Reason}): the volume starts only by the rules for a volume without a record")]
    internal static partial void RecordUnavailable(ILogger logger, string alias, string store, string reason);

    [LoggerMessage(19, LogLevel.Warning, "Taking over {Alias} from host {Owner} (attached since {Since}): allow_takeover was given")]
    internal static partial void TakingOver(ILogger logger, string alias, string owner, string since);

    [LoggerMessage(20, LogLevel.Warning, "Replica {Index} ({Device}) has an md superblock that fails its checks ({Reason}): it cannot be a source")]
    internal static partial void ReplicaUnreadable(ILogger logger, int index, string device, string reason);

    [LoggerMessage(21, LogLevel.Error, "Could not {What} of {Alias} in {Store} ({Reason}); the next attach or detach writes it again")]
    internal static partial void RecordWriteFailed(ILogger logger, string alias, string what, string store, string reason);

    [LoggerMessage(22, LogLevel.Warning, "Starting {Alias} although the start rule refuses it (allow_stale_start): {Refusal}")]
    internal static partial void StaleStartOverridden(ILogger logger, string alias, string refusal);

    [LoggerMessage(23, LogLevel.Warning, "{Alias}: replica {Index} ({Replica}) left out: {Reason} ({Detail})")]
    internal static partial void ReplicaLeftOut(ILogger logger, string alias, int index, string replica, string reason, string detail);

    [LoggerMessage(24, LogLevel.Warning, "{Alias}: replica {Index} ({Device}) is dead ({Why}): failed and removed from {Md} and its controllers deleted before the array is flushed")]
    internal static partial void DeadLegDetachedFirst(ILogger logger, string alias, int index, string device, string md, string why);
}
