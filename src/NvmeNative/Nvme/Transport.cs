namespace NvmeNative.Nvme;

/// <summary>An NVMe over Fabrics transport, as the kernel names it in <c>transport=</c> and sysfs.</summary>
public enum Transport
{
    /// <summary>NVMe/TCP (<c>tcp</c>, module nvme-tcp).</summary>
    Tcp,

    /// <summary>NVMe/RDMA, including RoCEv2 (<c>rdma</c>, module nvme-rdma).</summary>
    Rdma,

    /// <summary>NVMe/FC (<c>fc</c>, module nvme-fc).</summary>
    Fc,

    /// <summary>The nvmet loopback transport (<c>loop</c>, module nvme-loop), for tests.</summary>
    Loop,
}

/// <summary>Kernel names of <see cref="Transport"/> values.</summary>
public static class TransportNames
{
    /// <summary>The kernel's name: <c>tcp</c>, <c>rdma</c>, <c>fc</c> or <c>loop</c>.</summary>
    public static string KernelName(this Transport transport) => transport switch
    {
        Transport.Tcp => "tcp",
        Transport.Rdma => "rdma",
        Transport.Fc => "fc",
        Transport.Loop => "loop",
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, "not a transport"),
    };

    /// <summary>The module that provides the transport on the host side (nvme-tcp, nvme-rdma, ...).</summary>
    public static string HostModule(this Transport transport) => "nvme-" + transport.KernelName();

    /// <summary>Parses a kernel transport name (exact, lowercase, as sysfs prints it).</summary>
    public static bool TryParseKernelName(string? name, out Transport transport)
    {
        (bool ok, transport) = name switch
        {
            "tcp" => (true, Transport.Tcp),
            "rdma" => (true, Transport.Rdma),
            "fc" => (true, Transport.Fc),
            "loop" => (true, Transport.Loop),
            _ => (false, default),
        };
        return ok;
    }
}
