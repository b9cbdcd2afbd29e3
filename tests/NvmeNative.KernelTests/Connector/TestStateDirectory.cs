using NvmeNative.ReplicaState;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A replica-state file store of a test's own (a host that has no record yet, or a second host's store): a fresh
/// root-only directory under /var/lib/nvmenative (a private tmpfs in the lab) or the temp directory, removed on dispose.
/// </summary>
internal sealed class TestStateDirectory : IDisposable
{
    internal TestStateDirectory()
    {
        string parent = Directory.Exists("/var/lib/nvmenative") ? "/var/lib/nvmenative" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(parent, "kt-" + Guid.NewGuid().ToString("N")[..12]);
        Store = new FileReplicaStateStore(Path);
    }

    internal string Path { get; }

    internal FileReplicaStateStore Store { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
