using System.Globalization;
using NvmeNative.Nvme;

namespace NvmeNative.Target;

/// <summary>An nvmet namespace (<c>subsystems/NQN/namespaces/NSID</c>) created by an <see cref="NvmetTarget"/>.</summary>
public sealed class NvmetNamespace
{
    internal NvmetNamespace(NvmetSubsystem subsystem, uint nsid, string configPath, string devicePath, bool isFile,
        bool createdBackingFile, bool bufferedIo)
    {
        Subsystem = subsystem;
        Nsid = nsid;
        ConfigPath = configPath;
        DevicePath = devicePath;
        IsFileBacked = isFile;
        CreatedBackingFile = createdBackingFile;
        BufferedIo = bufferedIo;
    }

    /// <summary>The subsystem it belongs to.</summary>
    public NvmetSubsystem Subsystem { get; }

    /// <summary>The namespace ID.</summary>
    public uint Nsid { get; }

    /// <summary>Its configfs directory.</summary>
    public string ConfigPath { get; }

    /// <summary>device_path: the backing file or block device.</summary>
    public string DevicePath { get; }

    /// <summary>True for a regular-file backing, false for a block device.</summary>
    public bool IsFileBacked { get; }

    /// <summary>True when the rig created the backing file (and deletes it on dispose).</summary>
    public bool CreatedBackingFile { get; }

    /// <summary>Whether buffered_io was set.</summary>
    public bool BufferedIo { get; }

    /// <summary>device_uuid as nvmet reports it (the host's namespace <c>uuid</c>).</summary>
    public Guid Uuid { get; internal set; }

    /// <summary>device_nguid as nvmet reports it (big-endian bytes, see <see cref="NamespaceOptions.Nguid"/>).</summary>
    public Guid Nguid { get; internal set; }

    /// <summary>Reads <c>enable</c> from configfs.</summary>
    public bool IsEnabled => Subsystem.Target.ConfigFs.ReadAttribute(Path.Combine(ConfigPath, NvmetAttributes.Enable)) == "1";

    /// <summary>Enables the namespace (a host sees it again after its next rescan or the AEN nvmet sends).</summary>
    public void Enable() => Subsystem.Target.SetNamespaceEnabled(this, true);

    /// <summary>Disables the namespace: what a failed disk behind a live target looks like to the host.</summary>
    public void Disable() => Subsystem.Target.SetNamespaceEnabled(this, false);

    /// <summary>
    /// Grows a file-backed namespace to <paramref name="newSizeBytes"/> and tells nvmet (see
    /// <see cref="RevalidateSize"/>). Shrinking is refused: it would cut data off under a connected host.
    /// </summary>
    public void Resize(long newSizeBytes) => Subsystem.Target.ResizeNamespace(this, newSizeBytes);

    /// <summary>
    /// Writes <c>revalidate_size</c>, so nvmet re-reads the backing size and notifies connected hosts
    /// (skipped while the namespace is disabled: enabling reads the size). Returns false when the kernel has
    /// no such attribute (nvmet then notices at the next Identify).
    /// </summary>
    public bool RevalidateSize() => Subsystem.Target.RevalidateNamespaceSize(this);

    /// <summary>Disables and removes the namespace now (and its backing file, if the rig created it).</summary>
    public void Remove() => Subsystem.Target.RemoveNamespace(this);

    /// <inheritdoc/>
    public override string ToString() => $"{Subsystem.Nqn} nsid {Nsid.ToString(CultureInfo.InvariantCulture)}";
}
