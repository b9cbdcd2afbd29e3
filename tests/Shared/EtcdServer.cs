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
    private readonly string _dataDir;
    private readonly StringBuilder _log = new();
    private Process _process;
    private ManualResetEventSlim _ready = new();
    private int _attempt;

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
        // The ports are free when picked and bound by etcd a moment later; an outgoing connection (NVMe/TCP's, in the lab)
        // can take one from the same ephemeral range in between. etcd then exits with "address already in use", and is
        // started again on new ports: a clash of the picking, not of what is tested.
        for (int attempt = 1; ; attempt++)
        {
            int client = FreePort(), peer = FreePort();
            ClientUrl = new Uri($"http://127.0.0.1:{client}");
            _process = Start(binary, ClientUrl.OriginalString, $"http://127.0.0.1:{peer}");
            try
            {
                _ready.Wait(startTimeout);
                if (_process.HasExited && attempt < 3 && Log.Contains("address already in use", StringComparison.Ordinal))
                {
                    _process.Dispose();
                    lock (_log)
                        _log.Clear();
                    if (Directory.Exists(Path.Combine(_dataDir, "data")))
                        Directory.Delete(Path.Combine(_dataDir, "data"), recursive: true);
                    continue;
                }
                if (!_ready.IsSet || _process.HasExited)
                    throw new InvalidOperationException($"etcd did not become ready within {startTimeout.TotalSeconds} s (exited: {_process.HasExited}):\n{Log}");
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                string health = http.GetStringAsync(new Uri(ClientUrl, "/health")).GetAwaiter().GetResult();
                if (!health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                    throw new InvalidOperationException("etcd's /health says: " + health);
                return;
            }
            catch
            {
                Dispose();
                throw;
            }
        }
    }

    private Process Start(string binary, string clientUrl, string peerUrl)
    {
        // Each start has its own readiness signal and log generation: a line or exit of a previous start that arrives late
        // must not count for this one.
        var ready = _ready = new ManualResetEventSlim();
        int attempt = ++_attempt;
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

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
            {
                if (attempt != _attempt)
                    return;
                _log.AppendLine(e.Data);
            }
            if (e.Data.Contains("ready to serve client requests", StringComparison.Ordinal))
                ready.Set();
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.Set();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
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
            // _ready is not disposed: a late Exited callback may still set it (it holds no kernel handle).
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
