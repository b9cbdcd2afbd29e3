using NvmeNative.Nvme;

namespace NvmeNative.Target;

/// <summary>An nvmet subsystem (<c>subsystems/NQN</c>) created by an <see cref="NvmetTarget"/>.</summary>
public sealed class NvmetSubsystem
{
    private readonly List<NvmetNamespace> _namespaces = [];
    private readonly List<string> _allowedHosts = [];

    internal NvmetSubsystem(NvmetTarget target, string nqn, string configPath)
    {
        Target = target;
        Nqn = nqn;
        ConfigPath = configPath;
    }

    /// <summary>The rig that created it and will remove it.</summary>
    public NvmetTarget Target { get; }

    /// <summary>The subsystem NQN, which a host puts in <c>nqn=</c>.</summary>
    public string Nqn { get; }

    /// <summary>Its configfs directory.</summary>
    public string ConfigPath { get; }

    /// <summary>The namespaces added through this object and not removed.</summary>
    public IReadOnlyList<NvmetNamespace> Namespaces
    {
        get { lock (Target.Gate) return [.. _namespaces]; }
    }

    /// <summary>The host NQNs allowed through <see cref="AllowHost"/> and not disallowed.</summary>
    public IReadOnlyList<string> AllowedHosts
    {
        get { lock (Target.Gate) return [.. _allowedHosts]; }
    }

    internal List<NvmetNamespace> NamespaceList => _namespaces;

    internal List<string> AllowedHostList => _allowedHosts;

    /// <summary>
    /// Adds a namespace backed by the regular file <paramref name="path"/>. When the file does not exist it
    /// is created sparse at <paramref name="sizeBytes"/> and deleted when the rig is disposed; an existing
    /// file is used as it is and never deleted.
    /// </summary>
    /// <param name="path">An absolute path of the backing file.</param>
    /// <param name="sizeBytes">The size of a new file: a positive multiple of 4096 (nvmet's largest file LBA size).</param>
    /// <param name="options">NSID, UUID, NGUID, buffered I/O (default on for files), enable.</param>
    public NvmetNamespace AddFileNamespace(string path, long sizeBytes, NamespaceOptions? options = null) =>
        Target.AddNamespace(this, path, sizeBytes, isFile: true, options ?? new NamespaceOptions());

    /// <summary>
    /// Adds a namespace backed by a new sparse file named <c>nvmenative-target-*.img</c> in
    /// <paramref name="directory"/> (default: the temp directory), deleted when the rig is disposed.
    /// </summary>
    public NvmetNamespace AddFileNamespace(long sizeBytes, NamespaceOptions? options = null, string? directory = null)
    {
        string dir = directory ?? Path.GetTempPath();
        string file = Path.Combine(dir, $"{NvmetNames.BackingFilePrefix}{Guid.NewGuid():N}.img");
        return AddFileNamespace(Path.GetFullPath(file), sizeBytes, options);
    }

    /// <summary>Adds a namespace backed by an existing block device (e.g. /dev/loop0), which is never removed.</summary>
    public NvmetNamespace AddBlockDeviceNamespace(string devicePath, NamespaceOptions? options = null) =>
        Target.AddNamespace(this, devicePath, 0, isFile: false, options ?? new NamespaceOptions());

    /// <summary>
    /// Lets <paramref name="hostNqn"/> connect: creates <c>hosts/HOSTNQN</c> if needed, switches
    /// attr_allow_any_host off and links the host into <c>allowed_hosts/</c>. Idempotent.
    /// </summary>
    public void AllowHost(string hostNqn) => Target.AllowHost(this, hostNqn);

    /// <summary>Removes the host's <c>allowed_hosts/</c> link: new connects from it are refused. Idempotent.</summary>
    public void DisallowHost(string hostNqn) => Target.DisallowHost(this, hostNqn);

    /// <inheritdoc/>
    public override string ToString() => Nqn;
}
