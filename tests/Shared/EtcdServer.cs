using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NvmeNative.TestSupport;

/// <summary>
/// A real etcd (Debian's etcd-server, installed by build.sh and by the lab's setup) on 127.0.0.1 with free client and
/// peer ports and its data on tmpfs (/dev/shm when present), for the life of a test class; killed and its data removed
/// on dispose. Readiness is etcd's own "ready to serve client requests" log line, confirmed by /health. Shared by the
/// unit tests and the kernel tests (compiled into both from tests/Shared).
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    private readonly StringBuilder _log = new();

    /// <summary>Starts etcd and waits (at most 60 s) until it serves.</summary>
    public EtcdServer() : this(TimeSpan.FromSeconds(60))
    {
    }

    /// <summary>Starts etcd and waits at most <paramref name="startTimeout"/> until it serves (emulated CPUs need longer).</summary>
    internal EtcdServer(TimeSpan startTimeout)
    {
        string binary = FindEtcd() ?? throw new InvalidOperationException(
            "etcd is not installed: the replica-state etcd tests need Debian's etcd-server (./build.sh installs it: apt-get install etcd-server)");
        string tmp = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _dataDir = Directory.CreateDirectory(Path.Combine(tmp, "nvmenative-etcd-" + Guid.NewGuid().ToString("N"))).FullName;
        int client = FreePort(), peer = FreePort();
        string clientUrl = $"http://127.0.0.1:{client}";
        ClientUrl = new Uri(clientUrl);
        string peerUrl = $"http://127.0.0.1:{peer}";
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--name", "nvmenative-test", "--data-dir", Path.Combine(_dataDir, "data"),
            "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", "nvmenative-test=" + peerUrl, "--initial-cluster-state", "new"])
            start.ArgumentList.Add(arg);
        // Keep the machine's ETCD_* settings (e.g. from /etc/default/etcd in a shell) out of this instance.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);

        using var ready = new ManualResetEventSlim();
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
                _log.AppendLine(e.Data);
            if (e.Data.Contains("ready to serve client requests", StringComparison.Ordinal))
                ready.Set();
        };
        _process.OutputDataReceived += onLine;
        _process.ErrorDataReceived += onLine;
        _process.Exited += (_, _) => ready.Set();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            if (!ready.Wait(startTimeout) || _process.HasExited)
                throw new InvalidOperationException($"etcd did not become ready within {startTimeout.TotalSeconds} s (exited: {_process.HasExited}):\n{Log}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string health = http.GetStringAsync(new Uri(ClientUrl, "/health")).GetAwaiter().GetResult();
            if (!health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                throw new InvalidOperationException("etcd's /health says: " + health);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Uri ClientUrl { get; }

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static string? FindEtcd() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(d => Path.Combine(d, "etcd")).FirstOrDefault(File.Exists);

    // The port is free when asked; etcd binds it a moment later (a clash fails the start loudly, it is not hidden).
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
