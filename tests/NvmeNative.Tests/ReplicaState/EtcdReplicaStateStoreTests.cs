using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;
using NvmeNative.TestSupport;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

/// <summary>The etcd store against a real etcd server (see <see cref="EtcdServer"/>).</summary>
public sealed class EtcdReplicaStateStoreTests(EtcdServer etcd) : IClassFixture<EtcdServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EtcdReplicaStateStore Store(string prefix = "/nvmenative-test") => new([etcd.ClientUrl], prefix);

    private static VolumeKey UniqueKey() => VolumeKey.Create("vol-" + Guid.NewGuid().ToString("N")[..8], [Id(0), Id(1)]);

    private static ReplicaStateRecord WithCounter(ReplicaStateRecord record, ulong value) => record.WithArray(ArrayUuid, value, T0);

    [Fact]
    public void Create_read_swap_and_delete()
    {
        using var store = Store();
        var key = UniqueKey();
        Assert.Null(store.Read(key, Ct));

        var v1 = store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);
        var read = store.Read(key, Ct)!;
        Assert.Equal(v1, read.Version);
        Assert.Equal(key.Value, read.Record.VolumeKey);

        var v2 = store.CompareAndSwap(key, v1, WithCounter(read.Record, 42), Ct);
        Assert.True(v2.Value > v1.Value);
        Assert.Equal(42UL, store.Read(key, Ct)!.Record.KnownGoodEvents);

        Assert.True(store.Delete(key, v2, Ct));
        Assert.Null(store.Read(key, Ct));
        Assert.False(store.Delete(key, v2, Ct));
    }

    [Fact]
    public async Task Create_read_swap_and_delete_awaited_and_a_conflict_through_ApplyAsync()
    {
        using var store = Store();
        IReplicaStateStore awaited = store;
        var key = UniqueKey();
        Assert.Null(await awaited.ReadAsync(key, Ct));

        var v1 = await awaited.CompareAndSwapAsync(key, null, ReplicaStateRecord.New(key, T0), Ct);
        Assert.Equal(v1, (await awaited.ReadAsync(key, Ct))!.Version);
        await Assert.ThrowsAsync<ReplicaStateConflictException>(async () => await awaited.CompareAndSwapAsync(key, null, ReplicaStateRecord.New(key, T0), Ct));
        var applied = await ReplicaStateUpdate.ApplyAsync(store, key, r => WithCounter(r!, 7), cancellationToken: Ct);
        Assert.Equal(7UL, applied!.Record.KnownGoodEvents);

        Assert.True(await awaited.DeleteAsync(key, applied.Version, Ct));
        Assert.Null(await awaited.ReadAsync(key, Ct));
    }

    [Fact]
    public void A_stale_version_or_a_second_create_is_a_conflict_naming_the_current_version()
    {
        using var store = Store();
        var key = UniqueKey();
        var v1 = store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);
        var v2 = store.CompareAndSwap(key, v1, WithCounter(ReplicaStateRecord.New(key, T0), 1), Ct);

        var stale = Assert.Throws<ReplicaStateConflictException>(() => store.CompareAndSwap(key, v1, ReplicaStateRecord.New(key, T0), Ct));
        Assert.Equal(v2, stale.Actual);
        var create = Assert.Throws<ReplicaStateConflictException>(() => store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct));
        Assert.Equal(v2, create.Actual);
        Assert.Throws<ReplicaStateConflictException>(() => store.Delete(key, v1, Ct));
        Assert.Equal(1UL, store.Read(key, Ct)!.Record.KnownGoodEvents);
    }

    [Fact]
    public async Task Two_writers_racing_lose_no_update()
    {
        const int writers = 4, increments = 15;
        var key = UniqueKey();
        using (var store = Store())
            store.CompareAndSwap(key, null, WithCounter(ReplicaStateRecord.New(key, T0), 0), Ct);
        var ct = TestContext.Current.CancellationToken;
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Factory.StartNew(() =>
        {
            using var store = Store(); // one client per writer, as two hosts would have
            for (int i = 0; i < increments; i++)
                ReplicaStateUpdate.Apply(store, key, r => WithCounter(r!, r!.KnownGoodEvents + 1), maxAttempts: 10_000, ct);
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(120), ct);

        using var reader = Store();
        Assert.Equal((ulong)(writers * increments), reader.Read(key, Ct)!.Record.KnownGoodEvents);
    }

    [Fact]
    public void Prefixes_separate_deployments()
    {
        var key = UniqueKey();
        using var a = Store("/a");
        using var b = Store("/b");
        a.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);

        Assert.Null(b.Read(key, Ct));
        Assert.Equal("/a/replicas/" + key.Value, a.EtcdKey(key));
    }

    [Fact]
    public void A_store_uri_reaches_the_server()
    {
        var key = UniqueKey();
        using var store = (EtcdReplicaStateStore)ReplicaStateStores.Create($"etcd:{etcd.ClientUrl.GetLeftPart(UriPartial.Authority)}?prefix=/via-uri");
        store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);

        Assert.NotNull(store.Read(key, Ct));
    }

    [Fact]
    public void A_dead_endpoint_is_skipped_for_the_next_one()
    {
        var key = UniqueKey();
        using var store = new EtcdReplicaStateStore([new Uri("http://127.0.0.1:1"), etcd.ClientUrl], "/nvmenative-test");

        store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);
        Assert.NotNull(store.Read(key, Ct));
    }

    [Fact]
    public async Task ReadAll_lists_the_records_under_its_prefix_only_and_leaves_out_what_it_cannot_decode()
    {
        string prefix = "/list-" + Guid.NewGuid().ToString("N")[..8];
        using var store = Store(prefix);
        using var neighbour = Store(prefix + "x"); // shares the prefix as a string, not as a directory
        var a = UniqueKey();
        var b = UniqueKey();
        store.CompareAndSwap(a, null, WithCounter(ReplicaStateRecord.New(a, T0), 7), Ct);
        store.CompareAndSwap(b, null, ReplicaStateRecord.New(b, T0), Ct);
        var c = UniqueKey();
        neighbour.CompareAndSwap(c, null, ReplicaStateRecord.New(c, T0), Ct);
        using (var http = new HttpClient())
        {
            string put = $$"""{"key": "{{B64(prefix + "/replicas/garbage")}}", "value": "{{B64("not json")}}"}""";
            using var content = new StringContent(put);
            (await http.PostAsync(new Uri(etcd.ClientUrl, "/v3/kv/put"), content, Ct)).EnsureSuccessStatusCode();
        }

        var all = store.ReadAll(Ct);

        Assert.Equal(new[] { a.Value, b.Value }.Order(StringComparer.Ordinal), all.Select(r => r.VolumeKey).Order(StringComparer.Ordinal));
        Assert.Equal(7UL, all.Single(r => r.VolumeKey == a.Value).KnownGoodEvents);
    }

    [Fact]
    public void ReadAll_of_an_empty_prefix_is_empty()
    {
        using var store = Store("/empty-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Empty(store.ReadAll(Ct));
    }

    private static string B64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
