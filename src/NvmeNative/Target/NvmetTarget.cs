using System.Net.Sockets;
using System.Net;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Target;

/// <summary>
/// An NVMe-oF target rig on the local kernel's nvmet, built through configfs: subsystems with namespaces
/// backed by files or block devices, TCP ports, links between them, allowed hosts, and fault controls.
/// The rig records every object it creates and removes exactly those, in an order configfs accepts, when
/// it is disposed (also after a failed test); objects that are already gone are skipped.
/// </summary>
/// <remarks>
/// Every operation validates its input before it touches configfs, and an operation that fails half-way
/// removes what it made before it throws. Methods are serialized by a lock; objects from one rig cannot be
/// mixed with another's. A crashed process leaves its objects behind: <see cref="RemoveLeftovers"/> sweeps
/// those named with <see cref="NvmetNames.TestNqnPrefix"/>.
/// </remarks>
public sealed partial class NvmetTarget : IDisposable
{
    private readonly IConfigFs _fs;
    private readonly object _gate = new();
    private readonly List<NvmetSubsystem> _subsystems = [];
    private readonly List<NvmetPort> _ports = [];
    private bool _disposed;

    /// <summary>A rig on the real host's configfs (<see cref="KernelPaths.Host"/>).</summary>
    public NvmetTarget() : this(KernelPaths.Host)
    {
    }

    /// <summary>A rig on the configfs under <paramref name="paths"/>.<see cref="KernelPaths.Config"/>.</summary>
    public NvmetTarget(KernelPaths paths) : this(paths, LiveConfigFs.Instance)
    {
    }

    internal NvmetTarget(KernelPaths paths, IConfigFs fs)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Paths = paths;
        NvmetRoot = Path.Combine(paths.Config, "nvmet");
        _fs = fs;
    }

    /// <summary>The kernel roots this rig works under.</summary>
    public KernelPaths Paths { get; }

    /// <summary>The nvmet configfs directory (<c>{Config}/nvmet</c>).</summary>
    public string NvmetRoot { get; }

    /// <summary>The subsystems this rig created and has not removed.</summary>
    public IReadOnlyList<NvmetSubsystem> Subsystems
    {
        get { lock (_gate) return [.. _subsystems]; }
    }

    /// <summary>The ports this rig created.</summary>
    public IReadOnlyList<NvmetPort> Ports
    {
        get { lock (_gate) return [.. _ports]; }
    }

    internal IConfigFs ConfigFs => _fs;

    internal object Gate => _gate;

    /// <summary>
    /// Creates <c>subsystems/NQN</c> and writes its attributes (allow-any-host, serial, model).
    /// </summary>
    /// <param name="nqn">The subsystem NQN (see <see cref="NvmetNames.ValidateNqn"/>); it must not exist yet.</param>
    /// <param name="options">Attributes; null for the defaults (any host may connect).</param>
    /// <exception cref="NvmetConfigException">The NQN or an option is invalid (nothing was created).</exception>
    /// <exception cref="NvmeNativeException">configfs refused (EEXIST: the NQN is taken by someone else).</exception>
    public NvmetSubsystem CreateSubsystem(string nqn, SubsystemOptions? options = null)
    {
        const string op = "create nvmet subsystem";
        options ??= new SubsystemOptions();
        NvmetNames.ValidateNqn(nqn, op, nameof(nqn));
        if (nqn == NvmetNames.DiscoveryNqn)
            throw new NvmetConfigException("the discovery NQN cannot name a subsystem", op, nameof(nqn));
        ValidateAscii(options.Serial, 20, op, nameof(options.Serial));
        ValidateAscii(options.Model, 40, op, nameof(options.Model));

        lock (_gate)
        {
            ThrowIfDisposed();
            string dir = Path.Combine(NvmetRoot, NvmetAttributes.Subsystems, nqn);
            int errno = _fs.TryMakeDirectory(dir);
            if (errno != 0)
            {
                throw NvmetErrors.Syscall(errno, "mkdir (create subsystem)", dir, errno switch
                {
                    (int)Errno.EEXIST => "a subsystem with this NQN already exists and was not created by this rig",
                    (int)Errno.EINVAL => "nvmet refused the name (it may be the current discovery NQN)",
                    _ => NvmetErrors.MissingRoot(errno, NvmetRoot),
                });
            }
            var subsystem = new NvmetSubsystem(this, nqn, dir);
            _subsystems.Add(subsystem);
            try
            {
                WriteAttribute(dir, NvmetAttributes.AllowAnyHost, options.AllowAnyHost ? "1" : "0");
                if (options.Serial is not null)
                {
                    WriteAttribute(dir, NvmetAttributes.Serial, options.Serial, errno => SerialHint(errno, options.Serial));
                    CheckSerialKept(dir, options.Serial, op);
                }
                if (options.Model is not null)
                    WriteAttribute(dir, NvmetAttributes.Model, options.Model);
            }
            catch
            {
                // Roll back the mkdir; if even that fails, Dispose retries it.
                if (RemoveDirectory(dir) == 0)
                    _subsystems.Remove(subsystem);
                throw;
            }
            return subsystem;
        }
    }

    /// <summary>Creates a subsystem named <see cref="NvmetNames.NewTestNqn"/>(<paramref name="label"/>).</summary>
    public NvmetSubsystem CreateTestSubsystem(string label = "subsys", SubsystemOptions? options = null) =>
        CreateSubsystem(NvmetNames.NewTestNqn(label), options);

    /// <summary>
    /// Creates an NVMe/TCP port <c>ports/ID</c> listening (once a subsystem is linked) on
    /// <paramref name="address"/>:<paramref name="trsvcid"/>.
    /// </summary>
    /// <param name="address">An IPv4 or IPv6 address of this host, e.g. 127.0.0.1 or 127.0.0.2 (lo must be up).</param>
    /// <param name="trsvcid">The TCP port; null asks the kernel for a free one on that address.</param>
    /// <param name="portId">The configfs port id; null picks a free id in
    /// [<see cref="NvmetNames.AutoPortIdFirst"/>, <see cref="NvmetNames.AutoPortIdLast"/>].</param>
    /// <exception cref="NvmetConfigException">The address family or TCP port is invalid.</exception>
    /// <exception cref="NvmeNativeException">configfs refused, or no free TCP port could be found on the address.</exception>
    public NvmetPort CreateTcpPort(IPAddress address, int? trsvcid = null, ushort? portId = null)
    {
        const string op = "create nvmet TCP port";
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new NvmetConfigException($"{address} is neither IPv4 nor IPv6", op, nameof(address));
        if (trsvcid is < 1 or > 65535)
            throw new NvmetConfigException($"{trsvcid} is not a TCP port (1..65535)", op, nameof(trsvcid));
        int service = trsvcid ?? FreeTcpPort(address);

        lock (_gate)
        {
            ThrowIfDisposed();
            var (id, dir) = MakePortDirectory(portId);
            var port = new NvmetPort(this, id, dir, address, service);
            _ports.Add(port);
            try
            {
                WriteAttribute(dir, NvmetAttributes.TrType, "tcp");
                WriteAttribute(dir, NvmetAttributes.AdrFam, address.AddressFamily == AddressFamily.InterNetwork ? "ipv4" : "ipv6");
                WriteAttribute(dir, NvmetAttributes.TrAddr, port.TrAddr);
                WriteAttribute(dir, NvmetAttributes.TrSvcId, service.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch
            {
                if (RemoveDirectory(dir) == 0)
                    _ports.Remove(port);
                throw;
            }
            return port;
        }
    }

    /// <summary>
    /// The usual test target in one call: a subsystem named <see cref="NvmetNames.NewTestNqn"/>(<paramref name="label"/>)
    /// with one namespace on a new sparse file of <paramref name="sizeBytes"/> in the temp directory, a TCP port
    /// on <paramref name="address"/> (default 127.0.0.1) with a free TCP port number, linked. With
    /// <paramref name="allowedHostNqn"/> only that host may connect; otherwise any host may.
    /// </summary>
    public NvmetExport CreateFileExport(long sizeBytes, NamespaceOptions? namespaceOptions = null,
        System.Net.IPAddress? address = null, string? allowedHostNqn = null, string label = "export")
    {
        var subsystem = CreateTestSubsystem(label);
        var ns = subsystem.AddFileNamespace(sizeBytes, namespaceOptions);
        if (allowedHostNqn is not null)
            subsystem.AllowHost(allowedHostNqn);
        var port = CreateTcpPort(address ?? System.Net.IPAddress.Loopback);
        port.Link(subsystem);
        return new NvmetExport(subsystem, ns, port);
    }

    private (ushort Id, string Dir) MakePortDirectory(ushort? portId)
    {
        string portsDir = Path.Combine(NvmetRoot, NvmetAttributes.Ports);
        if (portId is ushort chosen)
        {
            string dir = Path.Combine(portsDir, chosen.ToString(System.Globalization.CultureInfo.InvariantCulture));
            int errno = _fs.TryMakeDirectory(dir);
            return errno == 0 ? (chosen, dir) : throw NvmetErrors.Syscall(errno, "mkdir (create port)", dir,
                errno == (int)Errno.EEXIST ? "the port id is taken" : NvmetErrors.MissingRoot(errno, NvmetRoot));
        }
        // mkdir is the atomic claim: another rig racing for the same id gets EEXIST and moves on.
        for (int id = NvmetNames.AutoPortIdFirst; id <= NvmetNames.AutoPortIdLast; id++)
        {
            string dir = Path.Combine(portsDir, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            int errno = _fs.TryMakeDirectory(dir);
            if (errno == 0)
                return ((ushort)id, dir);
            if (errno != (int)Errno.EEXIST)
                throw NvmetErrors.Syscall(errno, "mkdir (create port)", dir, NvmetErrors.MissingRoot(errno, NvmetRoot));
        }
        throw new NvmeNativeException($"every port id from {NvmetNames.AutoPortIdFirst} to {NvmetNames.AutoPortIdLast} is taken",
            "create nvmet TCP port", portsDir, (int)Errno.EEXIST);
    }

    /// <summary>A TCP port the kernel considers free on <paramref name="address"/> right now (bind to port 0).</summary>
    private static int FreeTcpPort(IPAddress address)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
        catch (SocketException e)
        {
            throw new NvmeNativeException($"cannot bind a TCP socket to {address} to find a free port ({e.Message}); " +
                "is the address configured and its interface up (ip link set lo up)?", "pick a free TCP port", innerException: e);
        }
    }

    /// <summary>Writes one attribute, turning a refusal into a message that names the attribute and value.</summary>
    internal void WriteAttribute(string dir, string attribute, string value, Func<int, string?>? hint = null)
    {
        string path = Path.Combine(dir, attribute);
        try
        {
            _fs.WriteAttribute(path, value);
        }
        catch (NvmeNativeException e) when (e.ErrnoValue is int errno)
        {
            throw NvmetErrors.Attribute(e, attribute, value, hint?.Invoke(errno));
        }
    }

    /// <summary>
    /// Why nvmet refused a serial: before Linux 5.14 <c>attr_serial</c> is a 64-bit number parsed as hexadecimal
    /// (<c>%llx</c>), so a serial with other characters (or more than 16 digits) is EINVAL there; 5.14 made it a string of
    /// up to 20 printable characters.
    /// </summary>
    private static string? SerialHint(int errno, string serial) =>
        errno == (int)Errno.EINVAL && !serial.All(char.IsAsciiHexDigit)
            ? "nvmet before Linux 5.14 takes the serial as a hexadecimal number of up to 16 digits (later kernels take up " +
              "to 20 printable characters); use a hexadecimal serial on this kernel"
            : null;

    /// <summary>
    /// A hexadecimal serial too long for the 64-bit number of nvmet before Linux 5.14 is accepted there but cut to its
    /// last 16 digits: read it back and refuse a serial that was not kept as written (the later string form is shown
    /// space-padded to 20 characters).
    /// </summary>
    private void CheckSerialKept(string dir, string serial, string operation)
    {
        string? stored = _fs.ReadAttribute(Path.Combine(dir, NvmetAttributes.Serial))?.TrimEnd('\n', ' ');
        if (stored is not null && !string.Equals(stored, serial, StringComparison.OrdinalIgnoreCase))
            throw new NvmetConfigException($"nvmet stored the serial '{serial}' as '{stored}': nvmet before Linux 5.14 keeps a serial " +
                "as a 64-bit hexadecimal number (up to 16 digits, without leading zeros); use such a serial on this kernel",
                operation, "Serial");
    }

    /// <summary>rmdir that counts "already gone" as success.</summary>
    internal int RemoveDirectory(string dir)
    {
        int errno = _fs.TryRemoveDirectory(dir);
        return errno == (int)Errno.ENOENT ? 0 : errno;
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal void CheckOwns(NvmetSubsystem subsystem)
    {
        ArgumentNullException.ThrowIfNull(subsystem);
        if (!ReferenceEquals(subsystem.Target, this))
            throw new ArgumentException($"subsystem {subsystem.Nqn} belongs to another NvmetTarget", nameof(subsystem));
    }

    internal static void ValidateAscii(string? value, int maxLength, string operation, string parameter)
    {
        if (value is null)
            return;
        if (value.Length == 0 || value.Length > maxLength)
            throw new NvmetConfigException($"must be 1..{maxLength} characters, got {value.Length}", operation, parameter);
        if (value.Any(c => c is < ' ' or > '~'))
            throw new NvmetConfigException("must be printable ASCII", operation, parameter);
    }

    /// <summary>
    /// Removes everything this rig created, in the order configfs requires: port links, allowed-host
    /// links, namespaces (disabled first), subsystems, ports, hosts nobody else uses, backing files the
    /// rig created. Objects already gone are skipped. Safe to call twice.
    /// </summary>
    /// <exception cref="NvmetCleanupException">Some objects could not be removed; all were attempted.</exception>
    public void Dispose()
    {
        List<NvmeNativeException> failures;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            failures = TearDown();
        }
        if (failures.Count > 0)
            throw new NvmetCleanupException(failures);
    }
}
