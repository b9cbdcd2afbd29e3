using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.Md;
using NvmeNative.Md.Format;
using NvmeNative.Nvme;
using NvmeNative.Tests.Topology;
using NvmeNative.Topology;

namespace NvmeNative.MicroBenchmarks;

/// <summary>
/// Short runs (these are microseconds each, and the machine is shared), in process: BenchmarkDotNet's generated
/// project per job is not built here (a project reference to the library and the linked test files is all there is).
/// </summary>
internal sealed class ShortRunAttribute : JobConfigBaseAttribute
{
    public ShortRunAttribute()
        : base(Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true)).WithWarmupCount(3).WithIterationCount(8).WithLaunchCount(1).WithId("short"))
    {
    }
}

/// <summary>os-brick connection_properties JSON to <see cref="ConnectionProperties"/> (every attach starts here).</summary>
[ShortRun, MemoryDiagnoser]
public class PropertiesParsing
{
    private const string Single = """
        {"target_nqn": "nqn.2014-08.org.nvmexpress:uuid:8f4c8a4e-4a5b-4b36-9f2e-0c1d9d0e7a11", "vol_uuid": "6c9a8a8e-8c7e-4c6a-9c39-0f5b8a0d5a11",
         "portals": [["10.0.0.1", 4420, "tcp"], ["10.0.0.2", 4420, "tcp"]]}
        """;

    private static readonly string Replicated = $$"""
        {"vol_uuid": "0b0e7a1c-2f43-4f0e-9a51-5d4c3b2a1908", "alias": "vol-0b0e7a1c", "replica_count": 3, "volume_replicas": [
          {{string.Join(", ", Enumerable.Range(1, 3).Select(i => $$"""{"target_nqn": "nqn.2014-08.org.example:replica{{i}}", "vol_uuid": "6c9a8a8e-8c7e-4c6a-9c39-0f5b8a0d5a1{{i}}", "portals": [["10.0.{{i}}.1", 4420, "tcp"]]}"""))}}]}
        """;

    [Benchmark]
    public ConnectionProperties SingleTwoPortals() => ConnectionProperties.Parse(Single);

    [Benchmark]
    public ConnectionProperties ThreeReplicas() => ConnectionProperties.Parse(Replicated);
}

/// <summary>The option string written to /dev/nvme-fabrics (once per controller connected).</summary>
[ShortRun, MemoryDiagnoser]
public class OptionString
{
    private readonly byte[] _buffer = new byte[4096];
    private readonly FabricsOptions _options = new()
    {
        Transport = Transport.Tcp,
        SubsystemNqn = Nqn.Parse("nqn.2014-08.org.nvmexpress:uuid:8f4c8a4e-4a5b-4b36-9f2e-0c1d9d0e7a11"),
        Host = new HostIdentity(Nqn.Parse("nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"),
            NvmeUuid.Parse("11111111-2222-3333-4444-555555555555")),
        TransportAddress = "10.0.0.1",
        Port = 4420,
        ControllerLossTimeout = Timeout.InfiniteTimeSpan,
        ReconnectDelay = TimeSpan.FromSeconds(1),
        FastIoFailTimeout = TimeSpan.Zero,
        KeepAliveTimeout = TimeSpan.FromSeconds(1),
    };

    [Benchmark]
    public int Write() => _options.Write(_buffer);
}

/// <summary>The md v1.2 superblocks and internal bitmaps of a new 3-replica array (what an attach writes when it creates one).</summary>
[ShortRun, MemoryDiagnoser]
public class MdMetadata
{
    private static readonly MdArrayName Name = MdArrayName.Parse("vol-0b0e7a1c");
    private static readonly MdUuid Uuid = MdUuid.Parse("0b0e7a1c:2f434f0e:9a515d4c:3b2a1908");
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
    private readonly Raid1NewMember[] _members = Enumerable.Range(0, 3)
        .Select(i => new Raid1NewMember(2UL << 30 >> 9, MdUuid.Parse($"1111111{i}:22222222:33333333:44444444"))).ToArray();
    private readonly byte[] _superblock = new byte[4096];
    private readonly byte[] _bitmap = new byte[4096];
    private Raid1CreatePlan _plan = null!;
    private byte[] _encoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plan = Raid1CreateMetadata.Build(Name, Uuid, _members, Created);
        _encoded = _plan.Members[0].Superblock.ToBlock();
    }

    [Benchmark]
    public object Plan() => Raid1CreateMetadata.Build(Name, Uuid, _members, Created);

    [Benchmark]
    public int EncodeSuperblocksAndBitmaps()
    {
        int n = 0;
        foreach (var member in _plan.Members)
        {
            member.Superblock.WriteTo(_superblock);
            member.Bitmap!.WriteTo(_bitmap);
            n += _superblock[0] + _bitmap[0];
        }
        return n;
    }

    [Benchmark]
    public object ParseSuperblock() => Superblock1.Parse(_encoded);
}

/// <summary>
/// Finding one volume on a host with 1,000 controllers (500 subsystems of two controllers each, one multipath
/// namespace per subsystem) in a synthetic sysfs tree on tmpfs or disk: the scoped lookup every detach, paths and
/// extend does, and the full snapshot <c>nvmenative list</c> takes.
/// </summary>
[ShortRun, MemoryDiagnoser]
public class TopologyThousandControllers
{
    private const int Subsystems = 500;
    private FakeSysfs _sysfs = null!;
    private NvmeTopology _topology = null!;
    private NvmeTopology _indexed = null!;
    private Nqn _nqn = null!;
    private NamespaceSelector _selector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sysfs = new FakeSysfs();
        for (int s = 0; s < Subsystems; s++)
        {
            string nqn = $"nqn.2014-08.org.example:volume-{s:D4}";
            _sysfs.Controller(2 * s, nqn, s, address: "traddr=10.0.0.1,trsvcid=4420,src_addr=10.0.0.9")
                .Controller(2 * s + 1, nqn, s, address: "traddr=10.0.0.2,trsvcid=4420,src_addr=10.0.0.9")
                .Head(s, 1, 1, Uuid(s), null, [(2 * s, "optimized"), (2 * s + 1, "optimized")]);
        }
        // The kernel's uevent count, which the quiet event source has caught up with: the indexed lookup lists nothing.
        Directory.CreateDirectory(Path.Combine(_sysfs.Paths.Sys, "kernel"));
        File.WriteAllText(Path.Combine(_sysfs.Paths.Sys, "kernel", "uevent_seqnum"), "0\n");
        _topology = new NvmeTopology(_sysfs.Paths);
        _indexed = new NvmeTopology(_sysfs.Paths, () => new QuietEvents(), () => new QuietEvents());
        _nqn = Nqn.Parse($"nqn.2014-08.org.example:volume-{Subsystems - 1:D4}");
        _selector = NamespaceSelector.ByUuid(NvmeUuid.Parse(Uuid(Subsystems - 1)));
        if (FindVolume() != $"/dev/nvme{Subsystems - 1}n1".Replace("/dev", _sysfs.Paths.Dev, StringComparison.Ordinal))
            throw new InvalidOperationException($"the lookup found {FindVolume()}");
    }

    [GlobalCleanup]
    public void Cleanup() => _sysfs.Dispose();

    [Benchmark]
    public string? FindVolume() => _topology.FindNamespace(_topology.ControllersOf(_nqn), _selector)?.DevicePath;

    /// <summary>The same lookup with the NQN index on (as on the host's own sysfs), no subsystem coming or going and every
    /// uevent the kernel counted received: no directory is listed.</summary>
    [Benchmark]
    public string? FindVolumeIndexed() => _indexed.FindNamespace(_indexed.ControllersOf(_nqn), _selector)?.DevicePath;

    [Benchmark]
    public int Snapshot() => _topology.Snapshot().Controllers.Count;

    private static string Uuid(int s) => $"6c9a8a8e-8c7e-4c6a-9c39-{s:D12}";

    /// <summary>A host where nothing happens: no uevent ever arrives.</summary>
    private sealed class QuietEvents : NvmeNative.Kernel.IUeventSource
    {
        public NvmeNative.Kernel.UeventReceipt Receive(TimeSpan timeout, CancellationToken ct) => NvmeNative.Kernel.UeventReceipt.TimedOut;

        public ValueTask<NvmeNative.Kernel.UeventReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken ct) => ValueTask.FromResult(NvmeNative.Kernel.UeventReceipt.TimedOut);

        public void Dispose()
        {
        }
    }
}
