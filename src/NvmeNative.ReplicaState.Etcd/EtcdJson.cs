using System.Text.Json.Serialization;

namespace NvmeNative.ReplicaState.Etcd;

// The subset of etcd's v3 API (rpc.proto, as the grpc-gateway maps it to JSON: proto field names, bytes as
// base64, int64 as strings) that the store uses: Range, Txn with Compare/Put/Range/DeleteRange.

internal sealed class EtcdRangeRequest
{
    public required string Key { get; init; }

    /// <summary>Exclusive end of a key range (base64); null for the one key.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RangeEnd { get; init; }
}

internal sealed class EtcdPutRequest
{
    public required string Key { get; init; }
    public required string Value { get; init; }
}

internal sealed class EtcdDeleteRangeRequest
{
    public required string Key { get; init; }
}

internal sealed class EtcdCompare
{
    public required string Key { get; init; }

    /// <summary>"MOD" or "CREATE".</summary>
    public required string Target { get; init; }

    public string Result { get; init; } = "EQUAL";
    public long? ModRevision { get; init; }
    public long? CreateRevision { get; init; }
}

internal sealed class EtcdRequestOp
{
    public EtcdRangeRequest? RequestRange { get; init; }
    public EtcdPutRequest? RequestPut { get; init; }
    public EtcdDeleteRangeRequest? RequestDeleteRange { get; init; }
}

internal sealed class EtcdTxnRequest
{
    public required IReadOnlyList<EtcdCompare> Compare { get; init; }
    public required IReadOnlyList<EtcdRequestOp> Success { get; init; }
    public required IReadOnlyList<EtcdRequestOp> Failure { get; init; }
}

internal sealed class EtcdResponseHeader
{
    public long Revision { get; init; }
}

internal sealed class EtcdKeyValue
{
    public string? Key { get; init; }
    public long CreateRevision { get; init; }
    public long ModRevision { get; init; }
    public long Version { get; init; }
    public string? Value { get; init; }
}

internal sealed class EtcdRangeResponse
{
    public EtcdResponseHeader? Header { get; init; }
    public IReadOnlyList<EtcdKeyValue>? Kvs { get; init; }
    public long Count { get; init; }
}

internal sealed class EtcdResponseOp
{
    public EtcdRangeResponse? ResponseRange { get; init; }
}

internal sealed class EtcdTxnResponse
{
    public EtcdResponseHeader? Header { get; init; }

    // proto3 JSON leaves out false: a missing "succeeded" is a failed compare.
    public bool Succeeded { get; init; }
    public IReadOnlyList<EtcdResponseOp>? Responses { get; init; }
}

/// <summary>grpc-gateway's error body.</summary>
internal sealed class EtcdError
{
    public string? Error { get; init; }
    public string? Message { get; init; }
    public int Code { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
[JsonSerializable(typeof(EtcdRangeRequest))]
[JsonSerializable(typeof(EtcdRangeResponse))]
[JsonSerializable(typeof(EtcdTxnRequest))]
[JsonSerializable(typeof(EtcdTxnResponse))]
[JsonSerializable(typeof(EtcdError))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
