using NvmeNative.Errors;

namespace NvmeNative.ReplicaState;

/// <summary>Which kind of store a <see cref="ReplicaStateStoreUri"/> names.</summary>
public enum ReplicaStateStoreKind
{
    /// <summary>A host-local directory: <see cref="FileReplicaStateStore"/>.</summary>
    File,

    /// <summary>An etcd v3 cluster (NvmeNative.ReplicaState.Etcd).</summary>
    Etcd,
}

/// <summary>
/// A store named as the CLI's <c>--state-store</c> / <c>NVMENATIVE_STATE_STORE</c> take it:
/// <c>file:DIR</c> (default <c>file:/var/lib/nvmenative/replicas</c>) or
/// <c>etcd:http://HOST:PORT[,http://HOST2:PORT...][?prefix=/nvmenative]</c>. The core library creates file stores
/// (<see cref="CreateFileStore"/>); an etcd store is created by the NvmeNative.ReplicaState.Etcd assembly
/// (<c>ReplicaStateStores.Create</c>), so that the core needs no HTTP or etcd code.
/// </summary>
public sealed record ReplicaStateStoreUri
{
    /// <summary>The default store: <c>file:/var/lib/nvmenative/replicas</c>.</summary>
    public const string Default = "file:" + FileReplicaStateStore.DefaultDirectory;

    /// <summary>The etcd key prefix used when the URI names none.</summary>
    public const string DefaultEtcdPrefix = "/nvmenative";

    private const string Operation = "parse state store";

    private ReplicaStateStoreUri(ReplicaStateStoreKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>The kind of store.</summary>
    public ReplicaStateStoreKind Kind { get; }

    /// <summary>The URI as given.</summary>
    public string Text { get; }

    /// <summary>For <see cref="ReplicaStateStoreKind.File"/>: the absolute directory.</summary>
    public string? Directory { get; private init; }

    /// <summary>For <see cref="ReplicaStateStoreKind.Etcd"/>: the client endpoints (http or https, no path, no credentials).</summary>
    public IReadOnlyList<Uri> EtcdEndpoints { get; private init; } = [];

    /// <summary>For <see cref="ReplicaStateStoreKind.Etcd"/>: the key prefix (starts with '/', no trailing '/').</summary>
    public string EtcdPrefix { get; private init; } = DefaultEtcdPrefix;

    /// <summary>Parses a store URI.</summary>
    /// <exception cref="InvalidInputException">Not <c>file:ABSOLUTE-DIR</c> or <c>etcd:http(s)://HOST:PORT[?prefix=/P]</c>.</exception>
    public static ReplicaStateStoreUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("file:", StringComparison.Ordinal))
        {
            string dir = text["file:".Length..];
            if (dir.StartsWith("//", StringComparison.Ordinal))
                dir = dir[2..]; // file:///var/lib/x, as URIs spell it
            if (!Path.IsPathFullyQualified(dir) || dir.Contains('\0'))
                throw new InvalidInputException($"'{text}': a file store needs an absolute directory, e.g. {Default}", Operation, "state_store");
            return new ReplicaStateStoreUri(ReplicaStateStoreKind.File, text) { Directory = dir };
        }
        if (text.StartsWith("etcd:", StringComparison.Ordinal))
            return ParseEtcd(text);
        throw new InvalidInputException($"'{Redact(text)}' is neither file:DIR nor etcd:http://HOST:PORT", Operation, "state_store");
    }

    /// <summary>The file store this URI names.</summary>
    /// <exception cref="InvalidOperationException">The URI names an etcd store.</exception>
    public FileReplicaStateStore CreateFileStore(TimeSpan? lockTimeout = null) =>
        Kind == ReplicaStateStoreKind.File
            ? new FileReplicaStateStore(Directory!, lockTimeout)
            : throw new InvalidOperationException($"{Text} is an etcd store; create it with NvmeNative.ReplicaState.Etcd");

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static ReplicaStateStoreUri ParseEtcd(string text)
    {
        string rest = text["etcd:".Length..];
        string prefix = DefaultEtcdPrefix;
        int query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            foreach (string pair in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? pair : pair[..eq];
                string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (name != "prefix")
                    throw new InvalidInputException($"'{Redact(text)}': unknown parameter '{name}' (only prefix= is known)", Operation, "state_store");
                prefix = NormalizePrefix(value, text);
            }
            rest = rest[..query];
        }
        var endpoints = new List<Uri>();
        foreach (string part in rest.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                throw new InvalidInputException($"'{Redact(text)}': '{Redact(part)}' is not http://HOST:PORT (or https)", Operation, "state_store");
            if (uri.UserInfo.Length > 0)
                throw new InvalidInputException($"'{Redact(text)}': credentials in the URI are not supported (they would show in logs)", Operation, "state_store");
            endpoints.Add(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"));
        }
        if (endpoints.Count == 0)
            throw new InvalidInputException($"'{Redact(text)}': no endpoint; expected etcd:http://HOST:PORT", Operation, "state_store");
        return new ReplicaStateStoreUri(ReplicaStateStoreKind.Etcd, Redact(text)) { EtcdEndpoints = endpoints, EtcdPrefix = prefix };
    }

    private static string NormalizePrefix(string prefix, string text)
    {
        if (!prefix.StartsWith('/') || prefix.Any(char.IsControl))
            throw new InvalidInputException($"'{Redact(text)}': the prefix must start with '/'", Operation, "state_store");
        string trimmed = prefix.TrimEnd('/');
        return trimmed.Length == 0 ? "" : trimmed;
    }

    // user:password@ never reaches a message.
    private static string Redact(string text)
    {
        int at = text.IndexOf('@', StringComparison.Ordinal);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? text[..(scheme + 3)] + "***" + text[at..] : text;
    }
}
