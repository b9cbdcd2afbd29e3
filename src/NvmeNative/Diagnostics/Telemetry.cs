using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NvmeNative.Diagnostics;

/// <summary>
/// The names of NvmeNative's traces and metrics: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="SourceName"/> (subscribe with
/// OpenTelemetry's <c>AddSource("NvmeNative")</c> / <c>AddMeter("NvmeNative")</c>, an <see cref="ActivityListener"/> or a
/// <see cref="MeterListener"/>). Nothing is measured or allocated for them while nobody listens.
/// </summary>
/// <remarks>
/// An operation (<see cref="Activities.Attach"/>, <see cref="Activities.Detach"/>, <see cref="Activities.Extend"/>,
/// <see cref="Activities.Heal"/>) has one child per phase; the children of one activity never overlap, and what is
/// outside them is the library's own user-space work. Tags name NQNs, portals, replicas, controllers, md devices and
/// errnos; they never carry a DH-HMAC-CHAP secret, a fabrics option string or a file's content.
/// </remarks>
public static class Telemetry
{
    /// <summary>The name of the activity source and of the meter: <c>NvmeNative</c>.</summary>
    public const string SourceName = "NvmeNative";

    /// <summary>Activity (span) names.</summary>
    public static class Activities
    {
        /// <summary>One <c>Connect</c>/<c>ConnectAsync</c> (single or replicated volume).</summary>
        public const string Attach = "nvmenative.attach";

        /// <summary>One <c>Disconnect</c>/<c>DisconnectAsync</c>.</summary>
        public const string Detach = "nvmenative.detach";

        /// <summary>One <c>Extend</c>/<c>ExtendAsync</c>.</summary>
        public const string Extend = "nvmenative.extend";

        /// <summary>Putting replicas back into a running array (by an attach, or by the replica monitor).</summary>
        public const string Heal = "nvmenative.heal";

        /// <summary>
        /// Preparing an attach before the host lock and before any change: each target's portals resolved (its
        /// <see cref="NameResolution"/> child), the host identity read, every controller's options built and checked
        /// against what the kernel offers. The library's own work, apart from reading the host NQN file.
        /// </summary>
        public const string Plan = "nvmenative.plan";

        /// <summary>
        /// The start rule's decision for a replicated volume's array: the replicas' superblocks are read (its
        /// <see cref="SuperblockRead"/> child), then the rule decides from them and the replica-state record (the
        /// library's own work).
        /// </summary>
        public const string StartRule = "nvmenative.start_rule";

        /// <summary>Waiting for the host lock (the in-process gate, then the lock file shared with other processes).</summary>
        public const string LockWait = "nvmenative.lock_wait";

        /// <summary>Resolving host-name portals to addresses (only when a portal is a host name).</summary>
        public const string NameResolution = "nvmenative.resolve";

        /// <summary>
        /// One replica's attach inside a replicated attach (its connects and waits are its children), or its detach once
        /// the array stopped. A detach runs those side by side: sibling replica spans may overlap.
        /// </summary>
        public const string Replica = "nvmenative.replica";

        /// <summary>One write of an option string to <c>/dev/nvme-fabrics</c> (the kernel's connect).</summary>
        public const string FabricsConnect = "nvmenative.fabrics.connect";

        /// <summary>Deleting one controller (<c>delete_controller</c>), in a detach or a rollback.</summary>
        public const string ControllerDelete = "nvmenative.fabrics.delete";

        /// <summary>Waiting for a reconnecting controller to be live again.</summary>
        public const string ReconnectWait = "nvmenative.wait.reconnect";

        /// <summary>Waiting for the volume's namespace to appear (kernel uevents).</summary>
        public const string NamespaceWait = "nvmenative.wait.namespace";

        /// <summary>Waiting for a multipath head to present a path through every live controller.</summary>
        public const string PathWait = "nvmenative.wait.paths";

        /// <summary>Waiting for a grown namespace's device to reach its new size.</summary>
        public const string SizeWait = "nvmenative.wait.size";

        /// <summary>Reading the replicas' md superblocks (what the start rule decides from).</summary>
        public const string SuperblockRead = "nvmenative.md.superblock_read";

        /// <summary>Checking that the replicas of a new array are blank (reading their first MiB).</summary>
        public const string BlankCheck = "nvmenative.md.blank_check";

        /// <summary>Writing md superblocks and bitmaps to new members.</summary>
        public const string SuperblockWrite = "nvmenative.md.superblock_write";

        /// <summary>
        /// One group of md ioctls (tag <see cref="Tags.MdIoctls"/>): <c>configure</c> (SET_ARRAY_INFO, ADD_NEW_DISK),
        /// <c>run</c> (RUN_ARRAY, RESTART_ARRAY_RW), <c>stop</c> (STOP_ARRAY), <c>member</c> (HOT_ADD/REMOVE, SET_DISK_FAULTY),
        /// <c>grow</c> (SET_ARRAY_INFO with a new size).
        /// </summary>
        public const string MdIoctl = "nvmenative.md.ioctl";

        /// <summary>Publishing an array: its /run/mdadm/map entry and /dev/md link.</summary>
        public const string MdPublish = "nvmenative.md.publish";

        /// <summary>Waiting for md to release a member's slot or reach a state (sysfs notifications).</summary>
        public const string MdWait = "nvmenative.md.wait";

        /// <summary>Flushing a block device (BLKFLSBUF) before a detach.</summary>
        public const string Flush = "nvmenative.flush";

        /// <summary>Reading the volume's replica-state record.</summary>
        public const string RecordRead = "nvmenative.record.read";

        /// <summary>Writing the volume's replica-state record.</summary>
        public const string RecordWrite = "nvmenative.record.write";

        /// <summary>Undoing what a failed or cancelled operation (or replica) did.</summary>
        public const string Rollback = "nvmenative.rollback";
    }

    /// <summary>Tag (attribute) names. Values are NQNs, addresses, device names and numbers; never a secret.</summary>
    public static class Tags
    {
        /// <summary>The target's subsystem NQN.</summary>
        public const string Nqn = "nvmenative.nqn";

        /// <summary>A portal, <c>tcp://10.0.0.1:4420</c>.</summary>
        public const string Portal = "nvmenative.portal";

        /// <summary>A replica's index in <c>volume_replicas</c>.</summary>
        public const string Replica = "nvmenative.replica.index";

        /// <summary>The number of replicas of a replicated volume.</summary>
        public const string ReplicaCount = "nvmenative.replica_count";

        /// <summary>A controller (<c>nvme3</c>).</summary>
        public const string Controller = "nvmenative.controller";

        /// <summary>A block device (<c>/dev/nvme3n1</c>, <c>/dev/md/vol</c>).</summary>
        public const string Device = "nvmenative.device";

        /// <summary>An md device (<c>md127</c>).</summary>
        public const string MdDevice = "nvmenative.md.device";

        /// <summary>Which md ioctls a <see cref="Activities.MdIoctl"/> span covers.</summary>
        public const string MdIoctls = "nvmenative.md.ioctls";

        /// <summary>How the array came up: <c>created</c>, <c>assembled</c>, <c>adopted</c>, <c>none</c>.</summary>
        public const string MdAction = "nvmenative.md.action";

        /// <summary>The volume's alias (the md array name).</summary>
        public const string Alias = "nvmenative.alias";

        /// <summary>The errno of a failure, as its name (<c>ECONNREFUSED</c>).</summary>
        public const string Errno = "nvmenative.errno";

        /// <summary>The failure's kind: the exception type's name, or <c>cancelled</c>.</summary>
        public const string ErrorType = "error.type";

        /// <summary>On the operation metrics: <c>success</c>, <c>failure</c> or <c>cancelled</c>.</summary>
        public const string Outcome = "nvmenative.outcome";

        /// <summary>On the operation metrics and spans: whether the volume is replicated.</summary>
        public const string Replicated = "nvmenative.replicated";

        /// <summary>On <see cref="Instruments.Refusals"/>: why (<c>start_rule</c>, <c>owned_elsewhere</c>, <c>heal</c>).</summary>
        public const string Reason = "nvmenative.reason";

        /// <summary>On <see cref="Instruments.ReAdds"/>: <c>re-add</c> (bitmap resync) or <c>add</c> (full rebuild).</summary>
        public const string Kind = "nvmenative.kind";
    }

    /// <summary>Instrument (metric) names.</summary>
    public static class Instruments
    {
        /// <summary>Histogram of attach durations in seconds (tags <see cref="Tags.Outcome"/>, <see cref="Tags.Replicated"/>).</summary>
        public const string AttachDuration = "nvmenative.attach.duration";

        /// <summary>Histogram of detach durations in seconds (tags <see cref="Tags.Outcome"/>, <see cref="Tags.Replicated"/>).</summary>
        public const string DetachDuration = "nvmenative.detach.duration";

        /// <summary>Counter of rollbacks: failed or cancelled attaches, and replicas left out and undone.</summary>
        public const string Rollbacks = "nvmenative.rollbacks";

        /// <summary>Counter of replicas that could not be attached, or that the monitor saw fail.</summary>
        public const string ReplicaFailures = "nvmenative.replica.failures";

        /// <summary>Counter of replicas put back into a running array (tag <see cref="Tags.Kind"/>).</summary>
        public const string ReAdds = "nvmenative.replica.readds";

        /// <summary>Counter of refusals: a start the start rule refused, a volume owned by another host, a heal refused.</summary>
        public const string Refusals = "nvmenative.refusals";
    }

    private static readonly string? Version = typeof(Telemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource Source = new(SourceName, Version);

    internal static readonly Meter Meter = new(SourceName, Version);

    internal static readonly Histogram<double> AttachDuration = Meter.CreateHistogram<double>(Instruments.AttachDuration, "s",
        "How long attaching a volume took.");

    internal static readonly Histogram<double> DetachDuration = Meter.CreateHistogram<double>(Instruments.DetachDuration, "s",
        "How long detaching a volume took.");

    internal static readonly Counter<long> Rollbacks = Meter.CreateCounter<long>(Instruments.Rollbacks, "{rollback}",
        "Operations (and replicas) whose changes were undone.");

    internal static readonly Counter<long> ReplicaFailures = Meter.CreateCounter<long>(Instruments.ReplicaFailures, "{replica}",
        "Replicas that could not be attached or that failed.");

    internal static readonly Counter<long> ReAdds = Meter.CreateCounter<long>(Instruments.ReAdds, "{replica}",
        "Replicas put back into a running array.");

    internal static readonly Counter<long> Refusals = Meter.CreateCounter<long>(Instruments.Refusals, "{refusal}",
        "Attaches or heals refused to protect data.");
}
