using System.Net;
using System.Text;
using System.Text.Json;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

/// <summary>The etcd store's JSON against a fake gateway: what it sends, how it reads answers, how it fails.</summary>
public sealed class EtcdProtocolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FakeGateway(Func<string, JsonElement, HttpResponseMessage> answer) : HttpMessageHandler
    {
        internal List<(string Path, string Body)> Requests { get; } = [];

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string body = request.Content!.ReadAsStringAsync(cancellationToken).GetAwaiter().GetResult();
            Requests.Add((request.RequestUri!.AbsolutePath, body));
            using var doc = JsonDocument.Parse(body);
            return answer(request.RequestUri.AbsolutePath, doc.RootElement.Clone());
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string B64(byte[] b) => Convert.ToBase64String(b);

    private static EtcdReplicaStateStore Store(HttpMessageHandler handler, TimeSpan? timeout = null, params string[] endpoints) =>
        new(endpoints.Length == 0 ? [new Uri("http://etcd.test:2379")] : endpoints.Select(e => new Uri(e)).ToList(), "/p", timeout, handler);

    [Fact]
    public void Read_posts_a_range_of_the_base64_key_and_decodes_string_revisions()
    {
        var key = Key(2);
        var record = ReplicaStateRecord.New(key, T0);
        var gateway = new FakeGateway((_, _) => Json(
            $$"""{"header":{"revision":"9"},"kvs":[{"key":"{{B64("/p/replicas/" + key.Value)}}","create_revision":"3","mod_revision":"7","version":"2","value":"{{B64(ReplicaStateJson.Serialize(record))}}"}],"count":"1"}"""));
        using var store = Store(gateway);

        var read = store.Read(key, Ct)!;

        Assert.Equal(7, read.Version.Value);
        Assert.Equal(key.Value, read.Record.VolumeKey);
        var (path, body) = Assert.Single(gateway.Requests);
        Assert.Equal("/v3/kv/range", path);
        Assert.Equal($$"""{"key":"{{B64("/p/replicas/" + key.Value)}}"}""", body);
    }

    [Fact]
    public void A_missing_key_reads_as_no_record()
    {
        using var store = Store(new FakeGateway((_, _) => Json("""{"header":{"revision":"9"}}""")));

        Assert.Null(store.Read(Key(2), Ct));
    }

    [Fact]
    public void Create_is_a_txn_on_create_revision_zero_and_returns_the_header_revision()
    {
        var key = Key(2);
        var gateway = new FakeGateway((_, _) => Json("""{"header":{"revision":"12"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"12"}}}]}"""));
        using var store = Store(gateway);

        var version = store.CompareAndSwap(key, null, ReplicaStateRecord.New(key, T0), Ct);

        Assert.Equal(12, version.Value);
        var (path, body) = Assert.Single(gateway.Requests);
        Assert.Equal("/v3/kv/txn", path);
        using var doc = JsonDocument.Parse(body);
        var compare = Assert.Single(doc.RootElement.GetProperty("compare").EnumerateArray());
        Assert.Equal("CREATE", compare.GetProperty("target").GetString());
        Assert.Equal("EQUAL", compare.GetProperty("result").GetString());
        Assert.Equal("0", compare.GetProperty("create_revision").GetString());
        Assert.False(compare.TryGetProperty("mod_revision", out _));
        var put = doc.RootElement.GetProperty("success")[0].GetProperty("request_put");
        Assert.Equal(B64("/p/replicas/" + key.Value), put.GetProperty("key").GetString());
        Assert.Equal(key.Value, ReplicaStateJson.Deserialize(Convert.FromBase64String(put.GetProperty("value").GetString()!), "t").VolumeKey);
        Assert.True(doc.RootElement.GetProperty("failure")[0].TryGetProperty("request_range", out _));
    }

    [Fact]
    public void A_failed_compare_is_a_conflict_with_the_current_mod_revision()
    {
        var key = Key(2);
        var theirs = ReplicaStateJson.Serialize(ReplicaStateRecord.New(key, T0));
        var gateway = new FakeGateway((_, _) => Json(
            $$$"""{"header":{"revision":"20"},"responses":[{"response_range":{"header":{"revision":"20"},"kvs":[{"key":"x","mod_revision":"19","value":"{{{B64(theirs)}}}"}],"count":"1"}}]}"""));
        using var store = Store(gateway);

        var e = Assert.Throws<ReplicaStateConflictException>(() => store.CompareAndSwap(key, new ReplicaStateVersion(15), ReplicaStateRecord.New(key, T0), Ct));

        Assert.Equal(new ReplicaStateVersion(15), e.Expected);
        Assert.Equal(new ReplicaStateVersion(19), e.Actual);
        using var doc = JsonDocument.Parse(gateway.Requests[0].Body);
        var compare = doc.RootElement.GetProperty("compare")[0];
        Assert.Equal("MOD", compare.GetProperty("target").GetString());
        Assert.Equal("15", compare.GetProperty("mod_revision").GetString());
    }

    [Fact]
    public void An_unreachable_gateway_is_unavailable_naming_every_endpoint()
    {
        var gateway = new FakeGateway((_, _) => throw new HttpRequestException("Connection refused"));
        using var store = Store(gateway, null, "http://a.test:2379", "http://b.test:2379");

        var e = Assert.Throws<ReplicaStateUnavailableException>(() => store.Read(Key(2), Ct));

        Assert.Contains("a.test:2379: Connection refused", e.Message);
        Assert.Contains("b.test:2379: Connection refused", e.Message);
        Assert.Equal(2, gateway.Requests.Count);
    }

    [Fact]
    public void A_gateway_that_does_not_answer_in_time_is_unavailable()
    {
        using var store = new EtcdReplicaStateStore([new Uri("http://slow.test:2379")], "/p", TimeSpan.FromMilliseconds(200), new SlowHandler());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<ReplicaStateUnavailableException>(() => store.Read(Key(2), Ct));
        Assert.Contains("no answer within 0.2 s", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    /// <summary>Answers only when cancelled: a server that accepted the connection and went quiet.</summary>
    private sealed class SlowHandler : HttpMessageHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("the store's request bound did not cancel the request");
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }

    [Fact]
    public void Server_errors_are_unavailable_and_client_errors_are_not()
    {
        using var busy = Store(new FakeGateway((_, _) => Json("""{"error":"etcdserver: leader changed","code":14,"message":"etcdserver: leader changed"}""", HttpStatusCode.ServiceUnavailable)));
        Assert.Contains("leader changed", Assert.Throws<ReplicaStateUnavailableException>(() => busy.Read(Key(2), Ct)).Message);

        using var bad = Store(new FakeGateway((_, _) => Json("""{"error":"bad","code":3,"message":"invalid key"}""", HttpStatusCode.BadRequest)));
        var e = Assert.ThrowsAny<ReplicaStateException>(() => bad.Read(Key(2), Ct));
        Assert.IsNotType<ReplicaStateUnavailableException>(e);
        Assert.Contains("invalid key", e.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_record_is_corrupt()
    {
        using var store = Store(new FakeGateway((_, _) => Json($$"""{"kvs":[{"mod_revision":"3","value":"{{B64("garbage")}}"}]}""")));

        Assert.Throws<ReplicaStateCorruptException>(() => store.Read(Key(2), Ct));
    }
}
