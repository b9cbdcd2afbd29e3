using System.Collections.Immutable;
using System.Text.Json;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick NVMe-oF <c>connection_properties</c>, parsed and validated into an immutable value. Every shape
/// os-brick accepts is read (<see cref="ConnectionPropertiesFormat"/>), plus the design spec's dict portals
/// that os-brick silently mis-parses. Every error is found here, before any I/O, and names the key path.
/// </summary>
/// <remarks>
/// Differences from os-brick, all on the side of refusing input it would attach wrongly or fail on later:
/// transports other than tcp/rdma/RoCEv2 are errors (os-brick turns typos into tcp); ports and ns_id may be
/// strings or integers (an integer ns_id never matched in os-brick); conflicting duplicates (a key given twice,
/// <c>nqn</c> and <c>target_nqn</c> that differ, flat keys mixed with <c>portals</c>, <c>target_nqn</c> next to
/// <c>volume_replicas</c>) are errors; a replicated volume of more than one replica needs an <c>alias</c>
/// (os-brick fails at connect). Like os-brick, unknown keys are ignored and an empty-string identifier counts
/// as absent. The caller's JSON is only read.
/// </remarks>
public sealed record ConnectionProperties
{
    internal ConnectionProperties(ConnectionPropertiesFormat format, ImmutableArray<TargetProperties> targets)
    {
        Format = format;
        Targets = targets;
    }

    /// <summary>The shape the input had.</summary>
    public ConnectionPropertiesFormat Format { get; }

    /// <summary>The subsystems: exactly one for a non-replicated volume, one per listed replica otherwise.</summary>
    public ImmutableArray<TargetProperties> Targets { get; }

    /// <summary>True for the replicated format (<c>volume_replicas</c> present), even with one replica.</summary>
    public bool IsReplicated => Format == ConnectionPropertiesFormat.Replicated;

    /// <summary>The volume's id (<c>vol_uuid</c> of the replicated format, Cinder's volume id); null otherwise.</summary>
    public NvmeUuid? VolumeId { get; internal init; }

    /// <summary>The md array name (<c>alias</c>; the array is <c>/dev/md/&lt;alias&gt;</c>), or null.</summary>
    public string? Alias { get; internal init; }

    /// <summary>
    /// How many replicas the volume has (<c>replica_count</c>, or the number listed when it is 0 or null).
    /// It may exceed <see cref="Targets"/>' count when a replica has no reachable target (os-brick bug #1938870).
    /// 1 for a non-replicated volume.
    /// </summary>
    public int ReplicaCount { get; internal init; } = 1;

    /// <summary><c>access_mode</c>.</summary>
    public AccessMode AccessMode { get; internal init; }

    /// <summary>True when <c>access_mode</c> is <c>ro</c>.</summary>
    public bool IsReadOnly => AccessMode == AccessMode.ReadOnly;

    /// <summary><c>encrypted</c>: the volume carries an encryption layer.</summary>
    public bool Encrypted { get; internal init; }

    /// <summary><c>discard</c>.</summary>
    public bool Discard { get; internal init; }

    /// <summary><c>cacheable</c>.</summary>
    public bool Cacheable { get; internal init; }

    /// <summary><c>enforce_multipath</c>: fail when native multipath is not available.</summary>
    public bool EnforceMultipath { get; internal init; }

    /// <summary>
    /// <c>allow_stale_start</c> (NvmeNative's, for replicated volumes): start the array even when the replica-state
    /// record and the replicas' superblocks cannot prove the replicas reached are current (the start rule would refuse).
    /// Data written since those replicas fell behind is then lost or hidden; the override is logged and recorded.
    /// </summary>
    public bool AllowStaleStart { get; init; }

    /// <summary>
    /// <c>allow_takeover</c> (NvmeNative's, for replicated volumes): attach even though the replica-state record says
    /// another host holds the volume attached (that host crashed, or was fenced). Two hosts writing one volume corrupt it:
    /// make sure the other host no longer uses it.
    /// </summary>
    public bool AllowTakeover { get; init; }

    /// <summary>
    /// NvmeNative's per-volume controller timeouts of a volume with one target (<c>ctrl_loss_tmo</c>,
    /// <c>reconnect_delay</c>, <c>fast_io_fail_tmo</c>, <c>keep_alive_tmo</c>; whole seconds, -1 for ever), over
    /// <see cref="NvmeOfConnectorOptions.SingleVolumeTimeouts"/>; null when none is given.
    /// </summary>
    public ControllerTimeouts? ControllerTimeouts { get; init; }

    /// <summary>
    /// NvmeNative's per-volume controller timeouts of the replica legs of a replicated volume
    /// (<c>replica_ctrl_loss_tmo</c>, <c>replica_reconnect_delay</c>, <c>replica_fast_io_fail_tmo</c>,
    /// <c>replica_keep_alive_tmo</c>), over <see cref="NvmeOfConnectorOptions.ReplicaLegTimeouts"/>; null when none is given.
    /// </summary>
    public ControllerTimeouts? ReplicaTimeouts { get; init; }

    /// <summary><c>qos_specs</c>, kept as given (an object; independent of the input document), or null.</summary>
    public JsonElement? QosSpecs { get; internal init; }

    /// <summary><c>device_path</c>, added by Nova after an attach, or null.</summary>
    public string? DevicePath { get; internal init; }

    /// <summary>
    /// The most connection properties JSON accepted, in UTF-8 bytes (64 KiB): a volume of <see cref="MaxReplicas"/>
    /// replicas of <see cref="MaxPortals"/> portals with long names takes under 16 KiB. Larger input is refused before
    /// it is parsed.
    /// </summary>
    public const int MaxJsonBytes = 64 * 1024;

    /// <summary>The most portals a target may list (<c>portals</c>): each becomes a controller when multipath is on.</summary>
    public const int MaxPortals = 8;

    /// <summary>The most replicas a volume may have (<c>volume_replicas</c> entries and <c>replica_count</c>).</summary>
    public const int MaxReplicas = 8;

    /// <summary>The longest <c>device_path</c>, in UTF-8 bytes (PATH_MAX less its terminator).</summary>
    public const int MaxDevicePathBytes = 4095;

    /// <summary>Parses connection properties from JSON text.</summary>
    /// <exception cref="InvalidConnectionPropertiesException">The input is not valid connection properties, or larger than <see cref="MaxJsonBytes"/>.</exception>
    public static ConnectionProperties Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // Every char is at least one UTF-8 byte: a longer string is too large without counting.
        if (json.Length > MaxJsonBytes || System.Text.Encoding.UTF8.GetByteCount(json) > MaxJsonBytes)
            throw ConnectionPropertiesParser.TooLarge();
        try
        {
            using var document = JsonDocument.Parse(json, ConnectionPropertiesParser.DocumentOptions);
            return ConnectionPropertiesParser.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw ConnectionPropertiesParser.NotJson(e);
        }
    }

    /// <summary>Parses connection properties from UTF-8 JSON.</summary>
    /// <exception cref="InvalidConnectionPropertiesException">The input is not valid connection properties, or larger than <see cref="MaxJsonBytes"/>.</exception>
    public static ConnectionProperties Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > MaxJsonBytes)
            throw ConnectionPropertiesParser.TooLarge();
        try
        {
            using var document = JsonDocument.Parse(utf8Json, ConnectionPropertiesParser.DocumentOptions);
            return ConnectionPropertiesParser.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw ConnectionPropertiesParser.NotJson(e);
        }
    }

    /// <summary>
    /// Reads UTF-8 JSON from <paramref name="utf8Json"/> (a file, standard input) and parses it. At most
    /// <see cref="MaxJsonBytes"/> + 1 bytes are read: a longer stream is refused without reading the rest.
    /// </summary>
    /// <exception cref="InvalidConnectionPropertiesException">The input is not valid connection properties, or larger than <see cref="MaxJsonBytes"/>.</exception>
    /// <exception cref="IOException">Reading the stream failed.</exception>
    public static ConnectionProperties Parse(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var buffer = new byte[MaxJsonBytes + 1];
        int total = ReadAtMostCap(buffer, utf8Json.Read);
        return Parse(buffer.AsMemory(0, total));
    }

    /// <summary>
    /// Reads JSON text from <paramref name="json"/> (standard input as a reader) and parses it. At most
    /// <see cref="MaxJsonBytes"/> + 1 characters are read: a longer text is refused without reading the rest.
    /// </summary>
    /// <exception cref="InvalidConnectionPropertiesException">The input is not valid connection properties, or larger than <see cref="MaxJsonBytes"/>.</exception>
    /// <exception cref="IOException">Reading failed.</exception>
    public static ConnectionProperties Parse(TextReader json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var buffer = new char[MaxJsonBytes + 1];
        int total = ReadAtMostCap(buffer, json.Read);
        return Parse(new string(buffer, 0, total));
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> (one element larger than the cap) from <paramref name="read"/> until the input
    /// ends; an input that fills it is over the cap and refused without reading the rest.
    /// </summary>
    private static int ReadAtMostCap<T>(T[] buffer, Func<T[], int, int, int> read)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = read(buffer, total, buffer.Length - total);
            if (n == 0)
                return total;
            total += n;
        }
        throw ConnectionPropertiesParser.TooLarge();
    }

    /// <summary>Parses connection properties from an already parsed JSON value (which is only read).</summary>
    /// <exception cref="InvalidConnectionPropertiesException">The input is not valid connection properties.</exception>
    public static ConnectionProperties Parse(JsonElement element) => ConnectionPropertiesParser.Parse(element);

    /// <summary>
    /// os-brick JSON for these properties: the new format (<c>target_nqn</c>, <c>portals</c> triples) for one
    /// target, the replicated format otherwise. Ports and ns_id are written as strings, which is what os-brick
    /// compares with sysfs. Parsing the result gives equal properties.
    /// </summary>
    public string ToJson() => ConnectionPropertiesWriter.ToJson(this);

    /// <summary>Writes <see cref="ToJson"/>'s object to <paramref name="writer"/>.</summary>
    public void WriteTo(Utf8JsonWriter writer) => ConnectionPropertiesWriter.Write(writer, this);

    /// <summary>The same as <see cref="ToJson"/>.</summary>
    public override string ToString() => ToJson();

    /// <inheritdoc/>
    public bool Equals(ConnectionProperties? other) =>
        other is not null && Format == other.Format && Targets.SequenceEqual(other.Targets) && VolumeId == other.VolumeId &&
        Alias == other.Alias && ReplicaCount == other.ReplicaCount && AccessMode == other.AccessMode &&
        Encrypted == other.Encrypted && Discard == other.Discard && Cacheable == other.Cacheable &&
        EnforceMultipath == other.EnforceMultipath && DevicePath == other.DevicePath &&
        AllowStaleStart == other.AllowStaleStart && AllowTakeover == other.AllowTakeover &&
        Equals(ControllerTimeouts, other.ControllerTimeouts) && Equals(ReplicaTimeouts, other.ReplicaTimeouts) &&
        (QosSpecs is null ? other.QosSpecs is null : other.QosSpecs is JsonElement o && JsonElement.DeepEquals(QosSpecs.Value, o));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Format, Targets.Length, VolumeId, Alias, ReplicaCount, AccessMode, DevicePath);
}
