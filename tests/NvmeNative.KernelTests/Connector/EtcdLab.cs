using NvmeNative.TestSupport;

// One etcd server for the whole run: under emulation it takes long to start.
[assembly: AssemblyFixture(typeof(NvmeNative.KernelTests.Connector.EtcdLab))]

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A class fixture holding one real etcd (see <see cref="EtcdServer"/>: Debian's etcd-server on 127.0.0.1, data on
/// tmpfs) for the tests of a class that need one, started on first use so tests without it pay nothing, and
/// stopped with its data removed when the class is done. Each test keeps its records apart with a key prefix of its own.
/// </summary>
public sealed class EtcdLab : IDisposable
{
    // Under emulation (the lab's TCG) etcd takes far longer to start than on a host.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly object _gate = new();
    private EtcdServer? _server;

    /// <summary>The running server (started now if this is the first use); skips the test when etcd is not installed.</summary>
    internal EtcdServer Server
    {
        get
        {
            if (Tools.Find("etcd") is null)
                Assert.Skip("needs etcd (apt-get install etcd-server; the lab's setup installs it)");
            lock (_gate)
                return _server ??= new EtcdServer(StartTimeout);
        }
    }

    /// <summary>A store URI for the CLI and the library alike, under a key prefix no other test uses.</summary>
    internal string UniqueStoreUri() =>
        $"etcd:{Server.ClientUrl.GetLeftPart(UriPartial.Authority)}?prefix=/t-{Guid.NewGuid():N}";

    public void Dispose()
    {
        lock (_gate)
            _server?.Dispose();
    }
}
