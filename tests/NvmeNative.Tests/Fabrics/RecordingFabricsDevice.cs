using System.Text;
using NvmeNative.Errors;
using NvmeNative.Fabrics;

namespace NvmeNative.Tests.Fabrics;

/// <summary>
/// A scripted /dev/nvme-fabrics: records every byte written and answers each exchange from a script
/// (a reply, or an errno at a step).
/// </summary>
internal sealed class RecordingFabricsDevice : IFabricsDevice
{
    /// <summary>The 6.12 listing (TLS and authentication compiled in), as the kernel prints it.</summary>
    internal const string Listing612 =
        "instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,nr_io_queues=%d,reconnect_delay=%d," +
        "ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,host_traddr=%s,host_iface=%s,hostid=%s,duplicate_connect,disable_sqflow," +
        "hdr_digest,data_digest,nr_write_queues=%d,nr_poll_queues=%d,tos=%d,keyring=%d,tls_key=%d,fast_io_fail_tmo=%d,discovery," +
        "dhchap_secret=%s,dhchap_ctrl_secret=%s,tls\n";

    /// <summary>A 6.1 listing: no TLS tokens.</summary>
    internal const string Listing61 =
        "instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,nr_io_queues=%d,reconnect_delay=%d," +
        "ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,host_traddr=%s,host_iface=%s,hostid=%s,duplicate_connect,disable_sqflow," +
        "hdr_digest,data_digest,nr_write_queues=%d,nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery," +
        "dhchap_secret=%s,dhchap_ctrl_secret=%s\n";

    private readonly Queue<(FabricsStep Step, int Errno, string Reply)> _connects = new();

    internal (FabricsStep Step, int Errno, string Reply) ListingResult { get; set; } = (FabricsStep.None, 0, Listing612);

    internal List<string> Writes { get; } = [];

    internal int ListingReads { get; private set; }

    public string Path => "/dev/nvme-fabrics";

    internal RecordingFabricsDevice Then(string reply)
    {
        _connects.Enqueue((FabricsStep.None, 0, reply));
        return this;
    }

    internal RecordingFabricsDevice ThenFail(FabricsStep step, Errno errno)
    {
        _connects.Enqueue((step, (int)errno, ""));
        return this;
    }

    public FabricsExchange Read(Span<byte> reply)
    {
        ListingReads++;
        return Answer(ListingResult, reply);
    }

    public FabricsExchange WriteThenRead(ReadOnlySpan<byte> options, Span<byte> reply)
    {
        var next = _connects.Count > 0 ? _connects.Dequeue() : throw new InvalidOperationException("unscripted connect");
        if (next.Step != FabricsStep.Open)
            Writes.Add(Encoding.UTF8.GetString(options));
        return Answer(next, reply);
    }

    private static FabricsExchange Answer((FabricsStep Step, int Errno, string Reply) result, Span<byte> reply)
    {
        if (result.Step != FabricsStep.None)
            return FabricsExchange.Failed(result.Step, result.Errno);
        int n = Encoding.UTF8.GetBytes(result.Reply, reply);
        return FabricsExchange.Ok(n);
    }
}
