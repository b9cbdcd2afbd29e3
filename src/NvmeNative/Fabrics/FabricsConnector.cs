using System.Globalization;
using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// Creates and deletes NVMe over Fabrics controllers through <c>/dev/nvme-fabrics</c> and sysfs, the way
/// <c>nvme connect</c>/<c>nvme disconnect</c> do, without them. Knows nothing of volumes or namespaces:
/// finding what a controller exposes is the Topology layer's job.
/// </summary>
/// <remarks>
/// Create one per process and keep it: the kernel's option list is read once, on first use, and cached.
/// Connects are validated completely (options, transport rules, what this kernel supports) before anything
/// is written. The kernel serializes all connects on the host (one global mutex), and a connect cannot be
/// interrupted once written; cancellation is honoured up to that point.
/// </remarks>
public sealed class FabricsConnector
{
    private const int ReplyCapacity = 4096;
    private readonly IFabricsDevice _device;
    private readonly KernelPaths _paths;
    private readonly Lock _supportedLock = new();
    private SupportedFabricsOptions? _supported;

    /// <summary>Creates a connector for the host (or for the trees under <paramref name="paths"/>).</summary>
    public FabricsConnector(KernelPaths? paths = null)
        : this(paths ?? KernelPaths.Host, null)
    {
    }

    internal FabricsConnector(KernelPaths paths, IFabricsDevice? device)
    {
        _paths = paths;
        _device = device ?? new FabricsDevice(paths.DevPath("nvme-fabrics"));
    }

    /// <summary>The control device, normally <c>/dev/nvme-fabrics</c>.</summary>
    public string DevicePath => _device.Path;

    /// <summary>
    /// The options this kernel accepts: read from a fresh descriptor on first use, then cached.
    /// </summary>
    /// <exception cref="FabricsUnavailableException">The nvme-fabrics module is not loaded, or no permission.</exception>
    public SupportedFabricsOptions SupportedOptions
    {
        get
        {
            if (Volatile.Read(ref _supported) is { } cached)
                return cached;
            lock (_supportedLock)
                return _supported ??= ReadSupportedOptions();
        }
    }

    /// <summary>
    /// Creates a controller: validates <paramref name="options"/>, writes them to a fresh descriptor in one
    /// write(2), and parses the kernel's <c>instance=N,cntlid=M</c> reply. Blocks for the whole connect (up to
    /// seconds on a slow network; the kernel gives up on a silent address after about 3 s).
    /// </summary>
    /// <exception cref="InvalidInputException">The options break a kernel rule; nothing was written.</exception>
    /// <exception cref="UnsupportedFabricsOptionException">This kernel lacks an option; nothing was written.</exception>
    /// <exception cref="FabricsUnavailableException">The nvme-fabrics module is not loaded, or no permission.</exception>
    /// <exception cref="FabricsConnectException">The kernel refused; <see cref="FabricsConnectException.Failure"/> says why.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the write.</exception>
    public ControllerInstance Connect(FabricsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        SupportedFabricsOptions supported = SupportedOptions;
        supported.Require(options.UsedMask, _device.Path);

        Span<byte> request = stackalloc byte[FabricsOptions.MaxLength];
        int length = options.Write(request);
        if (length < 0)
            throw new InvalidInputException($"the option string is longer than the kernel's limit of {FabricsOptions.MaxLength} bytes",
                FabricsOptions.Operation);
        Span<byte> reply = stackalloc byte[ReplyCapacity];

        cancellationToken.ThrowIfCancellationRequested();
        FabricsExchange exchange = _device.WriteThenRead(request[..length], reply);
        FabricsOptions sent = options;
        if (exchange.FailedStep == FabricsStep.Write && exchange.Errno == (int)Errno.EINVAL && options.DisableSqFlow &&
            !supported.IsReportedByKernel)
        {
            // As libnvme does: kernels too old to list their options may not know disable_sqflow. EINVAL created
            // no controller, so retry once without it on a fresh descriptor.
            sent = options with { DisableSqFlow = false };
            length = sent.Write(request);
            exchange = _device.WriteThenRead(request[..length], reply);
        }

        if (!exchange.Succeeded)
        {
            throw exchange.FailedStep switch
            {
                FabricsStep.Open => new FabricsUnavailableException(_device.Path, exchange.Errno),
                FabricsStep.Write => new FabricsConnectException(ConnectFailures.FromErrno(exchange.Errno), exchange.Errno, _device.Path, sent),
                _ => new FabricsConnectException(ConnectFailure.UnparseableReply, exchange.Errno, _device.Path, sent,
                    "reading the reply failed after the controller was created"),
            };
        }
        var text = reply[..exchange.ReplyLength];
        if (!ConnectReply.TryParse(text, out int instance, out int controllerId))
            throw new FabricsConnectException(ConnectFailure.UnparseableReply, null, _device.Path, sent,
                "the reply was " + InputText.Quote(Encoding.UTF8.GetString(text)));
        return new ControllerInstance(instance, controllerId, options.SubsystemNqn);
    }

    /// <summary>
    /// <see cref="Connect"/> on a dedicated thread (the write blocks and cannot be interrupted, so it must not
    /// hold a thread-pool thread). Cancellation stops it only before the write.
    /// </summary>
    public Task<ControllerInstance> ConnectAsync(FabricsOptions options, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Connect(options, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);

    /// <summary><see cref="ConnectAsync(FabricsOptions, CancellationToken)"/> when <paramref name="async"/>, else <see cref="Connect"/> on the calling thread.</summary>
    internal async ValueTask<ControllerInstance> ConnectAsync(FabricsOptions options, bool async, CancellationToken cancellationToken) =>
        async ? await ConnectAsync(options, cancellationToken).ConfigureAwait(false) : Connect(options, cancellationToken);

    /// <summary>
    /// Deletes controller <c>nvme<paramref name="instance"/></c> (writes "1" to its <c>delete_controller</c>,
    /// which is synchronous: its namespaces are gone when this returns). A controller that is already gone is
    /// not an error.
    /// </summary>
    /// <returns>True when this call deleted it; false when it was already gone.</returns>
    /// <exception cref="NvmeNativeException">The kernel refused, e.g. EBUSY while the controller is still being created.</exception>
    public bool DeleteController(int instance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(instance);
        string path = ControllerAttribute(instance, "delete_controller");
        int errno = TryWriteAttribute(path, "1"u8);
        if (errno == 0)
            return true;
        if (IsGone(errno))
            return false;
        if (errno == (int)Errno.EBUSY)
            throw new NvmeNativeException("the controller is still being created (it never reached the live state); delete it once its connect has returned",
                "delete controller", path, errno);
        throw Syscall.Error(errno, "delete controller", path);
    }

    /// <summary>
    /// Deletes a controller this process created, after checking that <c>nvmeN</c> still belongs to the same
    /// subsystem (instance numbers are reused once a controller is gone).
    /// </summary>
    /// <returns>True when this call deleted it; false when it was already gone (or the number now names another subsystem's controller, which is left alone).</returns>
    public bool DeleteController(ControllerInstance controller)
    {
        ArgumentNullException.ThrowIfNull(controller);
        string? subsystem = SysfsFile.TryRead(ControllerAttribute(controller.Instance, "subsysnqn"));
        if (subsystem is null || subsystem != controller.SubsystemNqn.Value)
            return false;
        return DeleteController(controller.Instance);
    }

    private string ControllerAttribute(int instance, string attribute) =>
        _paths.SysPath($"class/nvme/nvme{instance.ToString(CultureInfo.InvariantCulture)}/{attribute}");

    private static bool IsGone(int errno) =>
        errno is (int)Errno.ENOENT or (int)Errno.ENODEV or (int)Errno.ENXIO or (int)Errno.ENOTDIR;

    /// <summary>Opens and writes the attribute in one write(2); 0 or the errno of whichever call failed.</summary>
    private static int TryWriteAttribute(string path, ReadOnlySpan<byte> value)
    {
        using var fd = Fd.TryOpen(path, Interop.Fcntl.O_WRONLY, out int errno);
        return fd is null ? errno : Fd.TryWrite(fd, value, out _);
    }

    private SupportedFabricsOptions ReadSupportedOptions()
    {
        Span<byte> listing = stackalloc byte[ReplyCapacity];
        FabricsExchange exchange = _device.Read(listing);
        string release = Kernel.KernelRelease.Read(_paths).Text;
        if (exchange.Succeeded)
            return SupportedFabricsOptions.Parse(listing[..exchange.ReplyLength], release);
        if (exchange.FailedStep == FabricsStep.Open)
            throw new FabricsUnavailableException(_device.Path, exchange.Errno);
        if (exchange.Errno == (int)Errno.EINVAL)
            return SupportedFabricsOptions.Fallback(release); // before 5.17 a read without a controller is EINVAL
        throw Syscall.Error(exchange.Errno, "read supported options", _device.Path);
    }
}
