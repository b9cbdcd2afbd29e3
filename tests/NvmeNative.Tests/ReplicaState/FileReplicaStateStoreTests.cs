using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

#pragma warning disable CA1416 // Unix file modes: these tests run on Linux

public sealed class FileReplicaStateStoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _root = Directory.CreateTempSubdirectory("nvmenative-state-").FullName;
    private readonly string _dir;
    private readonly VolumeKey _key = Key(2);

    public FileReplicaStateStoreTests() => _dir = Path.Combine(_root, "replicas");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private FileReplicaStateStore Store(TimeSpan? lockTimeout = null) => new(_dir, lockTimeout);

    private static ReplicaStateRecord WithCounter(ReplicaStateRecord record, ulong value) =>
        record.WithArray(ArrayUuid, value, T0);

    [Fact]
    public void Create_read_swap_and_delete()
    {
        var store = Store();
        Assert.Null(store.Read(_key, Ct));

        var v1 = store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        var read = store.Read(_key, Ct);
        Assert.NotNull(read);
        Assert.Equal(v1, read.Version);

        var v2 = store.CompareAndSwap(_key, v1, WithCounter(read.Record, 7), Ct);
        Assert.NotEqual(v1, v2);
        Assert.Equal(7UL, store.Read(_key, Ct)!.Record.KnownGoodEvents);

        Assert.True(store.Delete(_key, v2, Ct));
        Assert.Null(store.Read(_key, Ct));
        Assert.False(store.Delete(_key, v2, Ct));
        Assert.Equal("file:" + _dir, store.Description);
    }

    [Fact]
    public void Read_all_lists_every_readable_record_and_skips_a_corrupt_one_and_temporaries()
    {
        var store = Store();
        Assert.Empty(store.ReadAll(Ct));
        var other = Key(3, "vol2");
        store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        store.CompareAndSwap(other, null, WithCounter(ReplicaStateRecord.New(other, T0), 5), Ct);
        File.WriteAllText(Path.Combine(_dir, "garbage.json"), "{not json");
        File.WriteAllText(Path.Combine(_dir, ".tmp-half.json"), "{");

        var all = store.ReadAll(Ct);

        Assert.Equal(new[] { _key.Value, other.Value }.Order(StringComparer.Ordinal), all.Select(r => r.VolumeKey).Order(StringComparer.Ordinal));
        Assert.Equal(5UL, all.Single(r => r.VolumeKey == other.Value).KnownGoodEvents);
    }

    [Fact]
    public void The_directory_is_created_root_only_and_records_are_0600()
    {
        Store().CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, _key.Value + ".json")));
    }

    [Fact]
    public void A_stale_version_or_a_second_create_is_a_conflict()
    {
        var store = Store();
        var v1 = store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        var v2 = store.CompareAndSwap(_key, v1, WithCounter(ReplicaStateRecord.New(_key, T0), 1), Ct);

        var stale = Assert.Throws<ReplicaStateConflictException>(() => store.CompareAndSwap(_key, v1, ReplicaStateRecord.New(_key, T0), Ct));
        Assert.Equal(v1, stale.Expected);
        Assert.Equal(v2, stale.Actual);
        var create = Assert.Throws<ReplicaStateConflictException>(() => store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct));
        Assert.Null(create.Expected);
        Assert.Throws<ReplicaStateConflictException>(() => store.Delete(_key, v1, Ct));
        Assert.Equal(1UL, store.Read(_key, Ct)!.Record.KnownGoodEvents);
    }

    [Fact]
    public void A_record_of_another_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Store().CompareAndSwap(_key, null, ReplicaStateRecord.New(Key(3), T0), Ct));
    }

    private sealed class SimulatedCrash(DurableWriteStep step) : Exception("crash at " + step);

    [Theory]
    [InlineData(nameof(DurableWriteStep.BeforeTempCreate), false)]
    [InlineData(nameof(DurableWriteStep.AfterTempCreate), false)]
    [InlineData(nameof(DurableWriteStep.AfterPartialWrite), false)]
    [InlineData(nameof(DurableWriteStep.AfterTempWrite), false)]
    [InlineData(nameof(DurableWriteStep.AfterTempFsync), false)]
    [InlineData(nameof(DurableWriteStep.AfterRename), true)]
    [InlineData(nameof(DurableWriteStep.AfterDirectoryFsync), true)]
    public void A_crash_at_any_step_of_a_write_leaves_the_old_record_or_the_new_one(string step, bool newVisible)
    {
        var crashAt = Enum.Parse<DurableWriteStep>(step);
        var writer = Store();
        var v1 = writer.CompareAndSwap(_key, null, WithCounter(ReplicaStateRecord.New(_key, T0), 1), Ct);
        var seen = new List<DurableWriteStep>();
        writer.WriteStep = step =>
        {
            seen.Add(step);
            // At every step before the crash point a concurrent reader must see the old record, whole.
            var during = new FileReplicaStateStore(_dir).Read(_key, Ct)!;
            Assert.Equal(step >= DurableWriteStep.AfterRename ? 2UL : 1UL, during.Record.KnownGoodEvents);
            if (step == crashAt)
                throw new SimulatedCrash(step);
        };

        Assert.Throws<SimulatedCrash>(() => writer.CompareAndSwap(_key, v1, WithCounter(ReplicaStateRecord.New(_key, T0), 2), Ct));
        Assert.Equal(crashAt, seen[^1]);

        // A new process (a fresh store) reads the old record or the new one, never a mix, and can go on writing.
        var after = new FileReplicaStateStore(_dir);
        var read = after.Read(_key, Ct)!;
        Assert.Equal(newVisible ? 2UL : 1UL, read.Record.KnownGoodEvents);
        Assert.Equal(newVisible ? 2L : 1L, read.Version.Value);
        var v3 = after.CompareAndSwap(_key, read.Version, WithCounter(read.Record, 3), Ct);
        Assert.Equal(3UL, after.Read(_key, Ct)!.Record.KnownGoodEvents);
        Assert.Equal(read.Version.Value + 1, v3.Value);
        Assert.Empty(Directory.GetFiles(_dir, "*" + DurableFile.TempSuffix));
    }

    [Fact]
    public void A_torn_temporary_left_by_a_dead_writer_is_ignored_and_removed_by_the_next_write()
    {
        var store = Store();
        var v1 = store.CompareAndSwap(_key, null, WithCounter(ReplicaStateRecord.New(_key, T0), 1), Ct);
        string torn = Path.Combine(_dir, $".{_key.Value}.json.999.dead{DurableFile.TempSuffix}");
        File.WriteAllText(torn, "{\"generation\": 9, \"record\": {\"sche");

        Assert.Equal(1UL, store.Read(_key, Ct)!.Record.KnownGoodEvents);
        store.CompareAndSwap(_key, v1, WithCounter(ReplicaStateRecord.New(_key, T0), 2), Ct);
        Assert.False(File.Exists(torn));
    }

    [Fact]
    public void A_torn_record_file_is_corrupt_not_empty()
    {
        Store().CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        string path = Path.Combine(_dir, _key.Value + ".json");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);

        Assert.Throws<ReplicaStateCorruptException>(() => Store().Read(_key, Ct));
        Assert.Throws<ReplicaStateCorruptException>(() => Store().CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct));
    }

    [Fact]
    public async Task Concurrent_read_modify_writes_lose_no_update()
    {
        const int threads = 6, increments = 20;
        Store().CompareAndSwap(_key, null, WithCounter(ReplicaStateRecord.New(_key, T0), 0), Ct);
        var ct = TestContext.Current.CancellationToken;
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            var store = Store(); // its own descriptors: the flock contends as between processes
            for (int i = 0; i < increments; i++)
                ReplicaStateUpdate.Apply(store, _key, r => WithCounter(r!, r!.KnownGoodEvents + 1), maxAttempts: 10_000, ct);
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60), ct);

        var final = Store().Read(_key, Ct)!;
        Assert.Equal((ulong)(threads * increments), final.Record.KnownGoodEvents);
        Assert.Equal(1L + threads * increments, final.Version.Value);
    }

    [Fact]
    public void A_lock_held_too_long_makes_the_store_unavailable_within_its_deadline()
    {
        var store = Store(TimeSpan.FromMilliseconds(300));
        store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        using var held = FileLock.Acquire(Path.Combine(_dir, ".lock"), TimeSpan.FromSeconds(1), CancellationToken.None);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<ReplicaStateUnavailableException>(() => store.CompareAndSwap(_key, new ReplicaStateVersion(1), ReplicaStateRecord.New(_key, T0), Ct));
        Assert.IsType<NvmeNativeTimeoutException>(e.InnerException);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.NotNull(store.Read(_key, Ct)); // reads need no lock
    }

    [Fact]
    public void Waiting_for_the_lock_honours_cancellation()
    {
        var store = Store(TimeSpan.FromMinutes(5));
        store.CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct);
        using var held = FileLock.Acquire(Path.Combine(_dir, ".lock"), TimeSpan.FromSeconds(1), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Assert.ThrowsAny<OperationCanceledException>(() => store.CompareAndSwap(_key, new ReplicaStateVersion(1), ReplicaStateRecord.New(_key, T0), cts.Token));
    }

    [Fact]
    public void A_symlinked_directory_is_refused()
    {
        string real = Path.Combine(_root, "real");
        Directory.CreateDirectory(real, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(_dir, real);

        var e = Assert.Throws<ReplicaStateUnavailableException>(() => Store().Read(_key, Ct));
        Assert.Contains("symlink", e.Message);
    }

    [Fact]
    public void A_group_or_world_writable_directory_is_refused()
    {
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var e = Assert.Throws<ReplicaStateUnavailableException>(() => Store().CompareAndSwap(_key, null, ReplicaStateRecord.New(_key, T0), Ct));
        Assert.Contains("group or others may write", e.Message);
    }

    [Fact]
    public void A_directory_owned_by_another_user_is_refused()
    {
        if (Environment.UserName != "root")
            Assert.Skip("chown to another user needs root");
        Directory.CreateDirectory(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var chown = System.Diagnostics.Process.Start("chown", ["12345", _dir]);
        chown.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.Equal(0, chown.ExitCode);

        var e = Assert.Throws<ReplicaStateUnavailableException>(() => Store().Read(_key, Ct));
        Assert.Contains("owned by uid 12345", e.Message);
    }

    [Fact]
    public void A_symlinked_record_file_is_never_followed()
    {
        Store().Read(_key, Ct); // creates the directory
        string target = Path.Combine(_root, "elsewhere.json");
        File.WriteAllBytes(target, Encoding.UTF8.GetBytes("{}"));
        File.CreateSymbolicLink(Path.Combine(_dir, _key.Value + ".json"), target);

        var e = Assert.Throws<ReplicaStateUnavailableException>(() => Store().Read(_key, Ct));
        Assert.Contains("symlink", e.Message);
    }

    [Fact]
    public void A_relative_directory_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => new FileReplicaStateStore("relative/dir"));
    }
}
