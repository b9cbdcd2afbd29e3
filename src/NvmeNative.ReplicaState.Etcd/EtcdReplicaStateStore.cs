using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace NvmeNative.ReplicaState.Etcd;

// Why etcd's v3 JSON gateway through HttpClient and not a client library: the maintained .NET client (dotnet-etcd)
// sits on Grpc.Net.Client and Google.Protobuf, whose generated code and reflection-based parts add weight and
// trim/AOT warnings to every consumer, for the three calls this store makes (range, txn, deleterange). The gateway
// is part of every etcd v3 server (/v3/kv/*, since 3.4 without a beta prefix), speaks plain HTTP/1.1 JSON, and with
// HttpClient plus source-generated System.Text.Json the store has no dependency beyond the BCL and is AOT/trim clean.
// Compare-and-swap is one txn on the key's mod_revision (create: create_revision == 0).

/// <summary>
/// Replica-state records in etcd v3, for volumes that move between hosts: every host that uses the same etcd
/// sees what the others wrote. One key per volume, <c>PREFIX/replicas/KEY</c>, holding the record's JSON; the
/// version is the key's mod_revision. Requests go to the endpoints in order (the next one when one does not
/// answer), each bounded by <see cref="RequestTimeout"/>. No authentication: run it on a trusted network or
/// behind a local proxy that adds it.
/// </summary>
public sealed class EtcdReplicaStateStore : IReplicaStateStore, IReplicaStateCatalog, IDisposable
{
    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _endpoints;

    /// <summary>Uses the etcd cluster at <paramref name="endpoints"/>.</summary>
    /// <param name="endpoints">Client URLs, e.g. <c>http://127.0.0.1:2379</c>.</param>
    /// <param name="prefix">The key prefix (default <c>/nvmenative</c>).</param>
    /// <param name="requestTimeout">The bound of one request; default 5 s.</param>
    /// <param name="handler">The HTTP handler (tests pass a fake); default a SocketsHttpHandler.</param>
    public EtcdReplicaStateStore(IReadOnlyList<Uri> endpoints, string prefix = ReplicaStateStoreUri.DefaultEtcdPrefix,
        TimeSpan? requestTimeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (endpoints.Count == 0)
            throw new ArgumentException("at least one etcd endpoint is needed", nameof(endpoints));
        _endpoints = endpoints.ToList();
        Prefix = prefix.TrimEnd('/');
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(5);
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = RequestTimeout, UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan, // bounded per request below, with the caller's cancellation
        };
        Description = "etcd:" + string.Join(",", _endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))) + "?prefix=" + (Prefix.Length == 0 ? "/" : Prefix);
    }

    /// <summary>Creates the store an <c>etcd:</c> URI names.</summary>
    /// <exception cref="ArgumentException">The URI names another kind of store.</exception>
    public static EtcdReplicaStateStore FromUri(ReplicaStateStoreUri uri, TimeSpan? requestTimeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.Kind == ReplicaStateStoreKind.Etcd
            ? new EtcdReplicaStateStore(uri.EtcdEndpoints, uri.EtcdPrefix, requestTimeout, handler)
            : throw new ArgumentException($"{uri} is not an etcd store", nameof(uri));
    }

    /// <summary>The key prefix (no trailing slash).</summary>
    public string Prefix { get; }

    /// <summary>The bound of one request.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The etcd key of <paramref name="key"/>'s record.</summary>
    public string EtcdKey(VolumeKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Prefix + "/replicas/" + key.Value;
    }

    /// <inheritdoc/>
    public VersionedReplicaState? Read(VolumeKey key, CancellationToken cancellationToken = default) =>
        Completed(ReadAsync(key, async: false, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<VersionedReplicaState?> ReadAsync(VolumeKey key, CancellationToken cancellationToken = default) =>
        ReadAsync(key, async: true, cancellationToken);

    /// <summary>
    /// Every record under the prefix, in one range request (what the monitor needs to find a volume by its md
    /// array uuid). A value that cannot be decoded is left out: <see cref="Read"/> by its key says why.
    /// </summary>
    public IReadOnlyList<ReplicaStateRecord> ReadAll(CancellationToken cancellationToken = default)
    {
        byte[] first = Encoding.UTF8.GetBytes(Prefix + "/replicas/");
        byte[] end = (byte[])first.Clone();
        end[^1]++; // '/' + 1: the first key after every key that starts with the prefix
        var response = Completed(PostAsync("/v3/kv/range", new EtcdRangeRequest { Key = Convert.ToBase64String(first), RangeEnd = Convert.ToBase64String(end) },
            EtcdJsonContext.Default.EtcdRangeRequest, EtcdJsonContext.Default.EtcdRangeResponse, "list replica states", async: false, cancellationToken));
        var records = new List<ReplicaStateRecord>();
        foreach (var kv in response.Kvs ?? [])
        {
            string etcdKey;
            try
            {
                etcdKey = Encoding.UTF8.GetString(Convert.FromBase64String(kv.Key ?? ""));
            }
            catch (FormatException)
            {
                continue;
            }
            try
            {
                if (Decode(new EtcdRangeResponse { Kvs = [kv] }, etcdKey) is { } state)
                    records.Add(state.Record);
            }
            catch (ReplicaStateException)
            {
                // corrupt or a newer schema: Read by its key reports it
            }
        }
        return records;
    }

    /// <inheritdoc/>
    public ReplicaStateVersion CompareAndSwap(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default) =>
        Completed(CompareAndSwapAsync(key, expected, record, async: false, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<ReplicaStateVersion> CompareAndSwapAsync(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        CancellationToken cancellationToken = default) =>
        CompareAndSwapAsync(key, expected, record, async: true, cancellationToken);

    /// <inheritdoc/>
    public bool Delete(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) =>
        Completed(DeleteAsync(key, expected, async: false, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(VolumeKey key, ReplicaStateVersion expected, CancellationToken cancellationToken = default) =>
        DeleteAsync(key, expected, async: true, cancellationToken);

    // One code path for both forms: with async false nothing yields, so the task has completed when it returns.
    private static T Completed<T>(ValueTask<T> task) => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private async ValueTask<VersionedReplicaState?> ReadAsync(VolumeKey key, bool async, CancellationToken cancellationToken)
    {
        string etcdKey = EtcdKey(key);
        var response = await PostAsync("/v3/kv/range", new EtcdRangeRequest { Key = Base64(etcdKey) },
            EtcdJsonContext.Default.EtcdRangeRequest, EtcdJsonContext.Default.EtcdRangeResponse, "read replica state", async, cancellationToken)
            .ConfigureAwait(false);
        return Decode(response, etcdKey);
    }

    private async ValueTask<ReplicaStateVersion> CompareAndSwapAsync(VolumeKey key, ReplicaStateVersion? expected, ReplicaStateRecord record,
        bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        string etcdKey = EtcdKey(key);
        if (record.VolumeKey != key.Value)
            throw new ArgumentException($"the record is of {record.VolumeKey}, not of {key.Value}", nameof(record));
        string k = Base64(etcdKey);
        var txn = new EtcdTxnRequest
        {
            Compare = [Guard(k, expected)],
            Success = [new EtcdRequestOp { RequestPut = new EtcdPutRequest { Key = k, Value = Convert.ToBase64String(ReplicaStateJson.Serialize(record)) } }],
            Failure = [new EtcdRequestOp { RequestRange = new EtcdRangeRequest { Key = k } }],
        };
        const string op = "replica state compare-and-swap";
        var response = await PostAsync("/v3/kv/txn", txn, EtcdJsonContext.Default.EtcdTxnRequest, EtcdJsonContext.Default.EtcdTxnResponse, op,
            async, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            long revision = response.Header?.Revision ?? 0;
            return revision > 0 ? new ReplicaStateVersion(revision)
                : throw new ReplicaStateException("etcd's txn answer has no header revision", op, Description);
        }
        throw new ReplicaStateConflictException(key.Value, expected, Decode(FailureRange(response), etcdKey)?.Version, Description);
    }

    private async ValueTask<bool> DeleteAsync(VolumeKey key, ReplicaStateVersion expected, bool async, CancellationToken cancellationToken)
    {
        string etcdKey = EtcdKey(key);
        string k = Base64(etcdKey);
        var txn = new EtcdTxnRequest
        {
            Compare = [Guard(k, expected)],
            Success = [new EtcdRequestOp { RequestDeleteRange = new EtcdDeleteRangeRequest { Key = k } }],
            Failure = [new EtcdRequestOp { RequestRange = new EtcdRangeRequest { Key = k } }],
        };
        var response = await PostAsync("/v3/kv/txn", txn, EtcdJsonContext.Default.EtcdTxnRequest, EtcdJsonContext.Default.EtcdTxnResponse,
            "replica state delete", async, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
            return true;
        var actual = Decode(FailureRange(response), etcdKey);
        return actual is null ? false : throw new ReplicaStateConflictException(key.Value, expected, actual.Version, Description);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <inheritdoc/>
    public override string ToString() => Description;

    private static EtcdCompare Guard(string key, ReplicaStateVersion? expected) => expected is { } v
        ? new EtcdCompare { Key = key, Target = "MOD", ModRevision = v.Value }
        : new EtcdCompare { Key = key, Target = "CREATE", CreateRevision = 0 };

    private static EtcdRangeResponse FailureRange(EtcdTxnResponse response) =>
        response.Responses?.FirstOrDefault()?.ResponseRange ?? new EtcdRangeResponse();

    private VersionedReplicaState? Decode(EtcdRangeResponse response, string etcdKey)
    {
        var kv = response.Kvs?.FirstOrDefault();
        if (kv is null)
            return null;
        string source = Description + " " + etcdKey;
        byte[] value;
        try
        {
            value = Convert.FromBase64String(kv.Value ?? "");
        }
        catch (FormatException e)
        {
            throw new ReplicaStateCorruptException("etcd returned a value that is not base64", source, e);
        }
        if (kv.ModRevision <= 0)
            throw new ReplicaStateCorruptException("etcd returned the key without a mod_revision", source);
        var record = ReplicaStateJson.Deserialize(value, source);
        if (record.VolumeKey != etcdKey[(etcdKey.LastIndexOf('/') + 1)..])
            throw new ReplicaStateCorruptException($"the key holds the record of {record.VolumeKey}", source);
        return new VersionedReplicaState(record, new ReplicaStateVersion(kv.ModRevision));
    }

    private async ValueTask<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest request, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, string op, bool async, CancellationToken cancellationToken) where TResponse : class
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var failures = new List<string>();
        foreach (var endpoint in _endpoints)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(RequestTimeout);
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path))
                {
                    Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
                };
                using var response = async
                    ? await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, bounded.Token).ConfigureAwait(false)
                    : _http.Send(message, HttpCompletionOption.ResponseContentRead, bounded.Token);
                // ResponseContentRead: the body is buffered already, so reading it does not wait.
                using var stream = response.Content.ReadAsStream(bounded.Token);
                if (response.IsSuccessStatusCode)
                {
                    return JsonSerializer.Deserialize(stream, responseType)
                        ?? throw new ReplicaStateException($"etcd answered {path} with JSON null", op, Description);
                }
                string error = ErrorText(stream);
                if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests
                    or HttpStatusCode.BadGateway or HttpStatusCode.InternalServerError)
                {
                    failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: HTTP {(int)response.StatusCode} {error}");
                    continue;
                }
                throw new ReplicaStateException($"etcd refused {path}: HTTP {(int)response.StatusCode} {error}", op, Description);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: no answer within {RequestTimeout.TotalSeconds:0.###} s");
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: {e.Message}");
            }
            catch (JsonException e)
            {
                throw new ReplicaStateException($"etcd's answer to {path} is not the JSON expected: {e.Message}", op, Description, e);
            }
            catch (IOException e) when (e is not NvmeNative.Errors.NvmeNativeException)
            {
                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: {e.Message}");
            }
        }
        throw new ReplicaStateUnavailableException("etcd did not answer: " + string.Join("; ", failures), op, Description);
    }

    private static string ErrorText(Stream stream)
    {
        try
        {
            var error = JsonSerializer.Deserialize(stream, EtcdJsonContext.Default.EtcdError);
            return error?.Message ?? error?.Error ?? "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
