using System.Text;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Tests.Fabrics;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// A /dev/nvme-fabrics that behaves like the kernel on a <see cref="FakeSysfs"/> tree: each connect write is
/// recorded and answered by the next scripted reaction, which may create the controller (with its
/// <c>delete_controller</c> attribute, so a test can see whether the connector deleted it), its namespace
/// paths and the multipath head, exactly where the kernel puts them, and then reply or fail with an errno.
/// </summary>
internal sealed class SimulatedKernel(FakeSysfs sys) : IFabricsDevice
{
    internal const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555";
    internal const string HostId = "11111111-2222-3333-4444-555555555555";

    private readonly Queue<Func<Connect, Errno?>> _reactions = new();

    /// <summary>The instance number the next created controller gets (nvmeN).</summary>
    internal int NextInstance { get; set; }

    internal (FabricsStep Step, int Errno, string Text) Listing { get; set; } = (FabricsStep.None, 0, RecordingFabricsDevice.Listing612);

    /// <summary>Every connect string written, in order.</summary>
    internal List<string> Writes { get; } = [];

    internal int ListingReads { get; private set; }

    public string Path => "/dev/nvme-fabrics";

    /// <summary>Scripts the next connect: <paramref name="react"/> changes the tree and returns null for success or the errno of the write.</summary>
    internal SimulatedKernel OnConnect(Func<Connect, Errno?> react)
    {
        _reactions.Enqueue(react);
        return this;
    }

    /// <summary>The next connect creates a live controller in subsystem <paramref name="subsystem"/> with a path to each namespace.</summary>
    internal SimulatedKernel Connects(int subsystem, params Namespace[] namespaces) => OnConnect(c =>
    {
        c.CreateController(subsystem);
        foreach (var ns in namespaces)
            c.AddPath(subsystem, ns);
        return null;
    });

    /// <summary>The next connect fails in write(2) with <paramref name="errno"/>, creating nothing.</summary>
    internal SimulatedKernel Refuses(Errno errno) => OnConnect(_ => errno);

    public FabricsExchange Read(Span<byte> reply)
    {
        ListingReads++;
        if (Listing.Step != FabricsStep.None)
            return FabricsExchange.Failed(Listing.Step, Listing.Errno);
        return FabricsExchange.Ok(Encoding.UTF8.GetBytes(Listing.Text, reply));
    }

    public FabricsExchange WriteThenRead(ReadOnlySpan<byte> options, Span<byte> reply)
    {
        string text = Encoding.UTF8.GetString(options);
        Writes.Add(text);
        var react = _reactions.Count > 0 ? _reactions.Dequeue() : throw new InvalidOperationException("unscripted connect: " + text);
        var connect = new Connect(sys, this, text);
        if (react(connect) is { } errno)
            return FabricsExchange.Failed(FabricsStep.Write, (int)errno);
        if (connect.Instance is not int instance)
            throw new InvalidOperationException("the reaction succeeded without creating a controller");
        return FabricsExchange.Ok(Encoding.UTF8.GetBytes($"instance={instance},cntlid={instance + 1}\n", reply));
    }

    /// <summary>The bytes the connector wrote to <c>nvmeN/delete_controller</c> ("" when it was not deleted).</summary>
    internal string DeleteWrites(int instance) => File.ReadAllText(System.IO.Path.Combine(sys.ControllerDir(instance), "delete_controller"));

    /// <summary>A controller created outside a connect (another process, or an earlier attach).</summary>
    internal int ExistingController(int subsystem, string nqn, string traddr, string state = "live")
    {
        int instance = NextInstance++;
        sys.Controller(instance, nqn, subsystem, $"traddr={traddr},trsvcid=4420,src_addr={traddr}", state, hostnqn: HostNqn);
        File.WriteAllText(System.IO.Path.Combine(sys.ControllerDir(instance), "delete_controller"), "");
        return instance;
    }

    internal readonly record struct Namespace(int Head, uint Nsid, string? Uuid, string? Nguid = null);

    /// <summary>One connect write as the kernel sees it: the parsed options, and the tree changes it makes.</summary>
    internal sealed class Connect(FakeSysfs sys, SimulatedKernel kernel, string text)
    {
        internal IReadOnlyDictionary<string, string> Options { get; } = text.TrimEnd('\n').Split(',')
            .Select(t => t.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

        internal int? Instance { get; private set; }

        internal int CreateController(int subsystem, string state = "live")
        {
            Instance = kernel.ExistingController(subsystem, Options["nqn"], Options["traddr"], state);
            return Instance.Value;
        }

        /// <summary>A path nvmeScCnH under this controller; the head nvmeSnH appears with the first path.</summary>
        internal void AddPath(int subsystem, Namespace ns)
        {
            int c = Instance ?? throw new InvalidOperationException("create the controller first");
            bool headExists = Directory.Exists(System.IO.Path.Combine(sys.SubsystemDir(subsystem), $"nvme{subsystem}n{ns.Head}"));
            sys.Head(subsystem, ns.Head, ns.Nsid, ns.Uuid, ns.Nguid, [(c, "optimized")], withHead: !headExists);
        }
    }
}
