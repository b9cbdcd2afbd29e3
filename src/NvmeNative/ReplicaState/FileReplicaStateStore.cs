using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.ReplicaState;

/// <summary>
/// The host-local store (the default): one file per volume, <c>KEY.json</c>, in a root-only directory
/// (<c>/var/lib/nvmenative/replicas</c> unless another is given). The directory is created 0700 and refused when
/// it is a symlink, owned by another user, or writable by group or others; files are read without following
/// symlinks and replaced atomically and durably (temp file, fsync, rename, fsync of the directory). Compare-and-
/// swap holds an flock on <c>.lock</c> in the directory (bounded by <see cref="LockTimeout"/>) across processes;
/// the version is a generation number stored in the file. It knows this host's history only.
/// </summary>
public sealed class FileReplicaStateStore : IReplicaStateStore, IReplicaStateCatalog
{
    /// <summary>The default directory.</summary>
    public const string DefaultDirectory = "/var/lib/nvmenative/replicas";

    private const string LockFileName = ".lock";
    private const string Extension = ".json";

    /// <summary>Uses <paramref name="directory"/> (created on first use).</summary>
    /// <param name="directory">An absolute path.</param>
    /// <param name="lockTimeout">How long a compare-and-swap waits for another process's; default 10 s.</param>
    /// <exception cref="ArgumentException">The path is not absolute.</exception>
    public FileReplicaStateStore(string directory = DefaultDirectory, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Path.IsPathFullyQualified(directory))
            throw new ArgumentException($"the state directory '{directory}' must be an absolute path", nameof(directory));
        Directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>The directory holding the records.</summary>
    public string Directory { get; }

    /// <summary>How long a write waits for another process's.</summary>
    public TimeSpan LockTimeout { get; }

    /// <inheritdoc/>
    public string Description => "file:" + Directory;

    /// <summary>Test seam: called at each step of a record write, and may throw to simulate a crash there.</summary>
    internal Action<DurableWriteStep>? WriteStep { get; set; }

    /// <inheritdoc/>
    public VersionedReplicaState? Read(VolumeKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        string dir = VerifiedDirectory("read replica state");
        var envelope = ReadEnvelope(dir, key);
        return envelope is null ? null : new VersionedReplicaState(envelope.Record, new ReplicaStateVersion(envelope.Generation));
    }

    /// <inheritdoc/>
    public ReplicaStateVersion CompareAndSwap(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(CompareAndSwapAsync(key, expected, record, async: false, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<ReplicaStateVersion> CompareAndSwapAsync(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default) =>
        CompareAndSwapAsync(key, expected, record, async: true, cancellationToken);

    private async ValueTask<ReplicaStateVersion> CompareAndSwapAsync(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(record);
        if (record.VolumeKey != key.Value)
            throw new ArgumentException($"the record is of {record.VolumeKey}, not of {key.Value}", nameof(record));
        const string op = "replica state compare-and-swap";
        string dir = VerifiedDirectory(op);
        using var held = await LockAsync(dir, op, async, cancellationToken).ConfigureAwait(false);
        var current = ReadEnvelope(dir, key);
        ReplicaStateVersion? actual = current is null ? null : new ReplicaStateVersion(current.Generation);
        if (actual != expected)
            throw new ReplicaStateConflictException(key.Value, expected, actual, Description);
        long generation = (current?.Generation ?? 0) + 1;
        byte[] content = ReplicaStateJson.SerializeFile(new FileReplicaStateEnvelope(generation, record));
        Io(op, key, () =>
        {
            DurableFile.RemoveTemporaries(dir); // left by writers that died; we hold the lock, so none is live
            DurableFile.Replace(dir, FileName(key), content, WriteStep);
        });
        return new ReplicaStateVersion(generation);
    }

    /// <inheritdoc/>
    public bool Delete(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(DeleteAsync(key, expected, async: false, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) =>
        DeleteAsync(key, expected, async: true, cancellationToken);

    private async ValueTask<bool> DeleteAsync(VolumeKey key, ReplicaStateVersion expected, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        const string op = "replica state delete";
        string dir = VerifiedDirectory(op);
        using var held = await LockAsync(dir, op, async, cancellationToken).ConfigureAwait(false);
        var current = ReadEnvelope(dir, key);
        if (current is null)
            return false;
        if (current.Generation != expected.Value)
            throw new ReplicaStateConflictException(key.Value, expected, new ReplicaStateVersion(current.Generation), Description);
        bool removed = false;
        Io(op, key, () => removed = DurableFile.Remove(dir, FileName(key)));
        return removed;
    }

    /// <inheritdoc/>
    public IReadOnlyList<ReplicaStateRecord> ReadAll(CancellationToken cancellationToken = default)
    {
        string dir = VerifiedDirectory("list replica states");
        var records = new List<ReplicaStateRecord>();
        IEnumerable<string> files;
        try
        {
            files = System.IO.Directory.EnumerateFiles(dir, "*" + Extension).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReplicaStateUnavailableException("cannot list the state directory: " + e.Message, "list replica states", Description);
        }
        foreach (string path in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Path.GetFileName(path).StartsWith('.'))
                continue; // temporaries of a writer
            try
            {
                if (DurableFile.Read(path, ReplicaStateJson.MaxRecordBytes) is { } content)
                    records.Add(ReplicaStateJson.DeserializeFile(content, path).Record);
            }
            catch (NvmeNativeException)
            {
                // Unreadable (corrupt, newer schema, replaced by a symlink): Read by its key says why.
            }
        }
        return records;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;

    private static string FileName(VolumeKey key) => key.Value + Extension;

    // Created on first use (constructing a store, e.g. from options, does no I/O) and checked before every
    // operation: a few system calls, and a directory whose mode or owner changed since is noticed.
    private string VerifiedDirectory(string op)
    {
        try
        {
            SecureDirectory.EnsurePrivate(Directory);
            return Directory;
        }
        catch (NvmeNativeException e) when (e is not ReplicaStateException)
        {
            throw new ReplicaStateUnavailableException("the state directory is not usable: " + e.Message, op, Description, e);
        }
    }

    private FileReplicaStateEnvelope? ReadEnvelope(string dir, VolumeKey key)
    {
        string path = Path.Combine(dir, FileName(key));
        byte[]? content;
        try
        {
            content = DurableFile.Read(path, ReplicaStateJson.MaxRecordBytes);
        }
        catch (NvmeNativeException e)
        {
            throw new ReplicaStateUnavailableException("cannot read the record: " + e.Message, "read replica state", Description, e);
        }
        if (content is null)
            return null;
        var envelope = ReplicaStateJson.DeserializeFile(content, path);
        if (envelope.Record.VolumeKey != key.Value)
            throw new ReplicaStateCorruptException($"the file holds the record of {envelope.Record.VolumeKey}", path);
        return envelope;
    }

    private async ValueTask<FileLock> LockAsync(string dir, string op, bool async, CancellationToken cancellationToken)
    {
        try
        {
            return await FileLock.AcquireAsync(Path.Combine(dir, LockFileName), LockTimeout, async, cancellationToken,
                createMode: 0x180 /* 0600 */).ConfigureAwait(false);
        }
        catch (NvmeNativeException e)
        {
            throw new ReplicaStateUnavailableException("cannot take the store's lock: " + e.Message, op, Description, e);
        }
    }

    private void Io(string op, VolumeKey key, Action action)
    {
        try
        {
            action();
        }
        catch (NvmeNativeException e) when (e is not ReplicaStateException)
        {
            throw new ReplicaStateUnavailableException($"cannot write the record of {key.Value}: " + e.Message, op, Description, e);
        }
    }
}
