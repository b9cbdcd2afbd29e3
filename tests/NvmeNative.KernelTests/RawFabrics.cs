using System.Text;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Target;

namespace NvmeNative.KernelTests;

/// <summary>
/// Host-side connect through the interop/Kernel layer only (the Fabrics layer is built elsewhere): one
/// open of /dev/nvme-fabrics, ONE write of the option string, one read of "instance=N,cntlid=M".
/// </summary>
internal static class RawFabrics
{
    internal const string Device = "/dev/nvme-fabrics";

    /// <summary>The option string for a TCP connect to <paramref name="port"/> / <paramref name="subsystem"/> with the test host identity.</summary>
    internal static string TcpOptions(NvmetPort port, NvmetSubsystem subsystem, string extra = "") =>
        $"transport=tcp,traddr={port.TrAddr},trsvcid={port.TrSvcId},nqn={subsystem.Nqn}," +
        $"hostnqn={TestHostIdentity.HostNqn},hostid={TestHostIdentity.HostId}{extra}";

    /// <summary>Connects; returns the controller (deleted on dispose) and the raw reply line.</summary>
    internal static HostController Connect(string options, out string reply)
    {
        using var fd = Fd.Open(Device, Interop.Fcntl.O_RDWR);
        byte[] bytes = Encoding.ASCII.GetBytes(options);
        // The connect string travels with the error, redacted, as the library's FabricsConnector reports it.
        int errno = Fd.TryWrite(fd, bytes, out int written);
        if (errno != 0)
            throw new NvmeNativeException(ErrnoText.Describe(errno), "write", Device, errno, options);
        Assert.Equal(bytes.Length, written);
        Span<byte> buffer = stackalloc byte[4096];
        int n = Fd.Read(fd, buffer, Device);
        reply = Encoding.ASCII.GetString(buffer[..n]).TrimEnd('\n');
        var fields = reply.Split(',').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");
        string nqn = options.Split(',').Single(o => o.StartsWith("nqn=", StringComparison.Ordinal))[4..];
        return new HostController(int.Parse(fields["instance"]), int.Parse(fields["cntlid"]), nqn);
    }
}

/// <summary>
/// A host controller /sys/class/nvme/nvmeN, deleted (delete_controller) on dispose if it is still there
/// and still ours (an instance number is reused once a controller is gone).
/// </summary>
internal sealed class HostController(int instance, int cntlid, string subsysNqn) : IDisposable
{
    internal string SubsysNqn { get; } = subsysNqn;

    internal int Instance { get; } = instance;

    internal int CntlId { get; } = cntlid;

    internal string Name => $"nvme{Instance}";

    internal string SysDir => $"/sys/class/nvme/{Name}";

    internal string Attribute(string name) => SysfsFile.Read(Path.Combine(SysDir, name));

    internal string State => SysfsFile.TryRead(Path.Combine(SysDir, "state")) ?? "(gone)";

    /// <summary>Writes delete_controller; the kernel removes the controller before the write returns.</summary>
    internal void Delete() => SysfsFile.Write(Path.Combine(SysDir, "delete_controller"), "1");

    public void Dispose()
    {
        if (SysfsFile.TryRead(Path.Combine(SysDir, "subsysnqn")) == SubsysNqn)
        {
            try
            {
                Delete();
            }
            catch (NvmeNativeException e) when (e.Errno is Errno.ENOENT or Errno.ENODEV)
            {
                // deleted meanwhile
            }
        }
    }
}
