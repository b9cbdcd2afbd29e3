using System.Globalization;
using NvmeNative.Errors;

namespace NvmeNative.Target;

public sealed partial class NvmetTarget
{
    private const long FileLbaBytes = 4096;

    internal NvmetNamespace AddNamespace(NvmetSubsystem subsystem, string devicePath, long sizeBytes, bool isFile, NamespaceOptions options)
    {
        string op = isFile ? "add nvmet file namespace" : "add nvmet block-device namespace";
        CheckOwns(subsystem);
        ArgumentNullException.ThrowIfNull(devicePath);
        if (!Path.IsPathFullyQualified(devicePath))
            throw new NvmetConfigException($"'{devicePath}' is not an absolute path (nvmet opens it from kernel context)", op, nameof(devicePath));
        if (devicePath.Contains('\n', StringComparison.Ordinal))
            throw new NvmetConfigException("the path contains a newline", op, nameof(devicePath));
        if (isFile && (sizeBytes <= 0 || sizeBytes % FileLbaBytes != 0))
            throw new NvmetConfigException($"{sizeBytes} is not a positive multiple of {FileLbaBytes} bytes", op, nameof(sizeBytes));
        if (options.Nsid is 0 or 0xffffffff)
            throw new NvmetConfigException($"NSID {options.Nsid} is reserved (use 1..0xfffffffe)", op, nameof(options.Nsid));
        bool bufferedIo = options.BufferedIo ?? isFile;

        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_subsystems.Contains(subsystem))
                throw new InvalidOperationException($"subsystem {subsystem.Nqn} was already removed");
            bool createdFile = isFile && BackingFile.CreateIfMissing(devicePath, sizeBytes);
            var (nsid, dir) = MakeNamespaceDirectory(subsystem, options.Nsid, createdFile ? devicePath : null);
            var ns = new NvmetNamespace(subsystem, nsid, dir, devicePath, isFile, createdFile, bufferedIo);
            subsystem.NamespaceList.Add(ns);
            try
            {
                WriteAttribute(dir, NvmetAttributes.DevicePath, devicePath);
                if (options.Uuid is Guid uuid)
                    WriteAttribute(dir, NvmetAttributes.DeviceUuid, uuid.ToString("D"));
                if (options.Nguid is Guid nguid)
                    WriteAttribute(dir, NvmetAttributes.DeviceNguid, nguid.ToString("D"));
                // buffered_io only takes effect when written before enable (nvmet opens the backing then).
                if (options.BufferedIo is not null || bufferedIo)
                    WriteAttribute(dir, NvmetAttributes.BufferedIo, bufferedIo ? "1" : "0");
                if (options.Enable)
                    WriteAttribute(dir, NvmetAttributes.Enable, "1", errno => EnableHint(errno, ns));
                ns.Uuid = ReadGuid(dir, NvmetAttributes.DeviceUuid);
                ns.Nguid = ReadGuid(dir, NvmetAttributes.DeviceNguid);
            }
            catch
            {
                var leftovers = new List<NvmeNativeException>();
                DestroyNamespace(ns, leftovers);
                if (leftovers.Count == 0)
                    subsystem.NamespaceList.Remove(ns);
                throw;
            }
            return ns;
        }
    }

    private (uint Nsid, string Dir) MakeNamespaceDirectory(NvmetSubsystem subsystem, uint? wanted, string? createdFile)
    {
        string parent = Path.Combine(subsystem.ConfigPath, NvmetAttributes.Namespaces);
        uint nsid = wanted ?? LowestFreeNsid(parent);
        string dir = Path.Combine(parent, nsid.ToString(CultureInfo.InvariantCulture));
        int errno = ConfigFs.TryMakeDirectory(dir);
        if (errno == 0)
            return (nsid, dir);
        if (createdFile is not null)
            BackingFile.TryDelete(createdFile);
        throw NvmetErrors.Syscall(errno, "mkdir (create namespace)", dir,
            errno == (int)Errno.EEXIST ? $"NSID {nsid} is already used in {subsystem.Nqn}" : null);
    }

    private static uint LowestFreeNsid(string namespacesDir)
    {
        var used = Directory.Exists(namespacesDir)
            ? Directory.EnumerateDirectories(namespacesDir)
                .Select(d => uint.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : 0)
                .ToHashSet()
            : [];
        uint nsid = 1;
        while (used.Contains(nsid))
            nsid++;
        return nsid;
    }

    private static string? EnableHint(int errno, NvmetNamespace ns) => errno switch
    {
        (int)Errno.EINVAL when ns.IsFileBacked && !ns.BufferedIo =>
            $"{ns.DevicePath} may be on a file system without O_DIRECT (tmpfs before Linux 6.6): set NamespaceOptions.BufferedIo = true",
        (int)Errno.EINVAL or (int)Errno.ENOENT or (int)Errno.ENOTBLK =>
            $"nvmet could not open {ns.DevicePath} as a {(ns.IsFileBacked ? "regular file" : "block device")}",
        (int)Errno.EBUSY => $"{ns.DevicePath} is held exclusively by someone else",
        _ => null,
    };

    private Guid ReadGuid(string dir, string attribute)
    {
        string path = Path.Combine(dir, attribute);
        string? text = ConfigFs.ReadAttribute(path);
        return Guid.TryParse(text, out Guid value)
            ? value
            : throw new NvmeNativeException($"'{text}' is not a UUID", $"read {attribute}", path);
    }

    internal void SetNamespaceEnabled(NvmetNamespace ns, bool enable)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            WriteAttribute(ns.ConfigPath, NvmetAttributes.Enable, enable ? "1" : "0", errno => enable ? EnableHint(errno, ns) : null);
        }
    }

    internal void ResizeNamespace(NvmetNamespace ns, long newSizeBytes)
    {
        const string op = "resize nvmet namespace";
        if (!ns.IsFileBacked)
            throw new NvmetConfigException("only file-backed namespaces can be resized here; grow the block device, then call RevalidateSize", op, nameof(ns));
        if (newSizeBytes <= 0 || newSizeBytes % FileLbaBytes != 0)
            throw new NvmetConfigException($"{newSizeBytes} is not a positive multiple of {FileLbaBytes} bytes", op, nameof(newSizeBytes));
        lock (_gate)
        {
            ThrowIfDisposed();
            long current = BackingFile.Size(ns.DevicePath);
            if (newSizeBytes < current)
                throw new NvmetConfigException($"{newSizeBytes} is smaller than the current {current} bytes (shrinking loses data)", op, nameof(newSizeBytes));
            BackingFile.Grow(ns.DevicePath, newSizeBytes);
            RevalidateLocked(ns);
        }
    }

    internal bool RevalidateNamespaceSize(NvmetNamespace ns)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return RevalidateLocked(ns);
        }
    }

    private bool RevalidateLocked(NvmetNamespace ns)
    {
        string path = Path.Combine(ns.ConfigPath, NvmetAttributes.RevalidateSize);
        if (!File.Exists(path))
            return false; // older kernels: nvmet re-reads the size when a host next identifies the namespace
        // nvmet refuses (EINVAL) to revalidate a disabled namespace; enabling it reads the new size anyway.
        if (ConfigFs.ReadAttribute(Path.Combine(ns.ConfigPath, NvmetAttributes.Enable)) != "1")
            return true;
        WriteAttribute(ns.ConfigPath, NvmetAttributes.RevalidateSize, "1");
        return true;
    }

    internal void RemoveNamespace(NvmetNamespace ns)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var failures = new List<NvmeNativeException>();
            DestroyNamespace(ns, failures);
            if (failures.Count > 0)
                throw failures.Count == 1 ? failures[0] : new NvmetCleanupException(failures);
            ns.Subsystem.NamespaceList.Remove(ns);
        }
    }

    /// <summary>Disable, rmdir, delete the backing file if ours; records failures, skips what is gone.</summary>
    private void DestroyNamespace(NvmetNamespace ns, List<NvmeNativeException> failures)
    {
        string enable = Path.Combine(ns.ConfigPath, NvmetAttributes.Enable);
        try
        {
            // configfs would disable it on rmdir too; doing it first keeps the two steps' errors apart.
            if (ConfigFs.ReadAttribute(enable) is "1")
                ConfigFs.WriteAttribute(enable, "0");
        }
        catch (NvmeNativeException e) when (e.Errno is not NvmeNative.Errors.Errno.ENOENT)
        {
            failures.Add(e);
        }
        catch (NvmeNativeException)
        {
            // gone between the read and the write
        }
        int errno = RemoveDirectory(ns.ConfigPath);
        if (errno != 0)
        {
            failures.Add(NvmetErrors.Syscall(errno, "rmdir (remove namespace)", ns.ConfigPath));
            return; // keep the file: nvmet may still have it open
        }
        if (ns.CreatedBackingFile)
        {
            errno = BackingFile.TryDelete(ns.DevicePath);
            if (errno is not (0 or (int)Errno.ENOENT))
                failures.Add(NvmetErrors.Syscall(errno, "unlink (delete backing file)", ns.DevicePath));
        }
    }
}
