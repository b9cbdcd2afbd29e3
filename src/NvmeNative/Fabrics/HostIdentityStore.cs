using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// Finds the host's NVMe identity, creating and persisting it on first use, so that every run (and every
/// process) connects with the same hostnqn/hostid pair. Where each comes from, in order:
/// <list type="number">
/// <item><c>/etc/nvme/hostnqn</c> and <c>/etc/nvme/hostid</c> when present (validated; a bad file is an error, never overwritten);</item>
/// <item>a missing hostid: the UUID inside a UUID-form hostnqn, else the DMI product UUID
/// (<c>/sys/class/dmi/id/product_uuid</c>) unless it is unreadable, malformed, all zeros or all ones (QEMU
/// without -uuid), else a random UUID;</item>
/// <item>a missing hostnqn: <c>nqn.2014-08.org.nvmexpress:uuid:&lt;hostid&gt;</c>.</item>
/// </list>
/// Created files are published atomically (written, fsynced, then linked into place so no process overwrites another's, mode 0644) and read back,
/// so processes racing on a fresh host all end up with the winner's identity.
/// </summary>
public static class HostIdentityStore
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Path of the host NQN file: <c>{Etc}/nvme/hostnqn</c>.</summary>
    public static string HostNqnPath(KernelPaths paths) => Path.Combine(paths.Etc, "nvme", "hostnqn");

    /// <summary>Path of the host ID file: <c>{Etc}/nvme/hostid</c>.</summary>
    public static string HostIdPath(KernelPaths paths) => Path.Combine(paths.Etc, "nvme", "hostid");

    /// <summary>The persisted identity, creating the missing parts first (see the class remarks).</summary>
    /// <exception cref="InvalidInputException">An existing file holds something that is not a valid NQN or UUID.</exception>
    /// <exception cref="NvmeNativeException">A file could not be read or written.</exception>
    public static HostIdentity LoadOrCreate(KernelPaths? paths = null)
    {
        paths ??= KernelPaths.Host;
        string nqnPath = HostNqnPath(paths), idPath = HostIdPath(paths);
        Nqn? nqn = ReadNqn(nqnPath);
        NvmeUuid? id = ReadId(idPath);
        if (id is null)
        {
            NvmeUuid candidate = nqn?.UuidPart ?? ReadSystemUuid(paths) ?? NvmeUuid.NewRandom();
            Publish(idPath, candidate.ToString());
            id = ReadId(idPath) ?? throw Unreadable(idPath);
        }
        if (nqn is null)
        {
            Publish(nqnPath, Nqn.FromUuid(id.Value).Value);
            nqn = ReadNqn(nqnPath) ?? throw Unreadable(nqnPath);
        }
        return new HostIdentity(nqn, id.Value);
    }

    /// <summary>The identity when both files exist and are valid; null when either is missing or empty. Creates nothing.</summary>
    /// <exception cref="InvalidInputException">A file holds something that is not a valid NQN or UUID.</exception>
    public static HostIdentity? TryLoad(KernelPaths? paths = null)
    {
        paths ??= KernelPaths.Host;
        Nqn? nqn = ReadNqn(HostNqnPath(paths));
        NvmeUuid? id = ReadId(HostIdPath(paths));
        return nqn is not null && id is not null ? new HostIdentity(nqn, id.Value) : null;
    }

    /// <summary>
    /// The DMI product UUID (os-brick's "system uuid"), or null when it is missing, unreadable (it is
    /// root-only), not in the 36-character form, all zeros or all ones.
    /// </summary>
    public static NvmeUuid? ReadSystemUuid(KernelPaths? paths = null)
    {
        paths ??= KernelPaths.Host;
        string path = paths.SysPath("class/dmi/id/product_uuid");
        string? text;
        try
        {
            text = SysfsFile.TryRead(path)?.Trim();
        }
        catch (NvmeNativeException e) when (e.Errno is Errno.EACCES or Errno.EPERM or Errno.EIO or Errno.EINVAL)
        {
            return null;
        }
        // libnvme requires the 36-character form with dashes at 8, 13, 18 and 23.
        if (text is not { Length: 36 } || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-' ||
            !NvmeUuid.TryParse(text, out var uuid))
            return null;
        bool allOnes = uuid.Value == new Guid(0xFFFFFFFF, 0xFFFF, 0xFFFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
        return uuid.IsZero || allOnes ? null : uuid;
    }

    private static void Publish(string path, string value)
    {
        try
        {
            byte[] content = Encoding.UTF8.GetBytes(value + "\n");
            // A blank file holds no identity (libnvme and os-brick treat it as missing), so it may be replaced;
            // anything else that appeared meanwhile is another process's identity and is kept.
            if (!AtomicFile.TryCreate(path, content, FileMode, DirectoryMode) && ReadValue(path) is null)
                AtomicFile.Replace(path, content, FileMode, DirectoryMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not NvmeNativeException)
        {
            throw new NvmeNativeException("cannot create the host identity file: " + e.Message, "create", path, null, null, e);
        }
    }

    private static Nqn? ReadNqn(string path)
    {
        string? text = ReadValue(path);
        if (text is null)
            return null;
        return Nqn.TryParse(text, out var nqn, out string? error)
            ? nqn
            : throw new InvalidInputException(error + "; fix or remove the file", "read host NQN", "hostnqn", path);
    }

    private static NvmeUuid? ReadId(string path)
    {
        string? text = ReadValue(path);
        if (text is null)
            return null;
        return NvmeUuid.TryParse(text, out var id)
            ? id
            : throw new InvalidInputException(NvmeUuid.Describe(text, "host ID (UUID)") + "; fix or remove the file", "read host ID", "hostid", path);
    }

    /// <summary>The first line, trimmed; null when the file is missing or blank (libnvme and os-brick treat both as "none").</summary>
    /// <summary>A host NQN is at most 223 bytes; anything far larger is not a host identity file.</summary>
    private const int MaxIdentityFileBytes = 4096;

    private static string? ReadValue(string path)
    {
        // Not File.ReadAllText: a FIFO or a device planted in its place would block or flood the read.
        byte[]? content;
        try
        {
            content = DurableFile.Read(path, MaxIdentityFileBytes, followSymlink: true);
        }
        catch (NvmeNativeException e) when (e.ErrnoValue is null)
        {
            // Not a regular file, or far too large to be one: the file is wrong, not the system (a bad file is never overwritten).
            throw new InvalidInputException(e.Message, "read host identity", Path.GetFileName(path), path, e);
        }
        if (content is null)
            return null;
        string text = System.Text.Encoding.UTF8.GetString(content);
        int newline = text.IndexOf('\n');
        string line = (newline >= 0 ? text[..newline] : text).Trim();
        return line.Length == 0 ? null : line;
    }

    private static NvmeNativeException Unreadable(string path) =>
        new("the host identity file was created but reads back empty", "read", path);
}
