using System.Net;
using NvmeNative.Target;

namespace NvmeNative.Tests.Target;

/// <summary>The crashed-run sweep removes the prefixed objects (and only those) in configfs order.</summary>
public sealed class NvmetLeftoversTests : IDisposable
{
    private const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:0f01fb42-9f7f-4856-b0b3-51e60b8de349";
    private readonly FakeConfigFs _fs = new();

    public void Dispose() => _fs.Dispose();

    [Fact]
    public void Sweep_removes_prefixed_subsystems_their_links_files_and_auto_ports_but_nothing_else()
    {
        // A foreign rig (someone's real target) on port 1, sharing the same host NQN.
        var foreign = new NvmetTarget(_fs.Paths, _fs);
        var theirs = foreign.CreateSubsystem("nqn.2024-01.com.example:prod");
        string theirFile = Path.Combine(_fs.Files, "nvmenative-target-not-really-ours.img");
        theirs.AddFileNamespace(theirFile, 4096);
        var theirPort = foreign.CreateTcpPort(IPAddress.Loopback, 4420, 1);
        theirPort.Link(theirs);
        theirs.AllowHost(HostNqn);

        // A crashed test run: never disposed.
        var crashed = new NvmetTarget(_fs.Paths, _fs);
        var ours = crashed.CreateTestSubsystem("crash");
        var ns = ours.AddFileNamespace(1 << 20, directory: _fs.Files);
        var ourPort = crashed.CreateTcpPort(IPAddress.Loopback, 4421);
        ourPort.Link(ours);
        // also exported on the foreign port (by hand: a rig only links its own objects)
        _fs.TrySymlink(ours.ConfigPath, Path.Combine(theirPort.ConfigPath, "subsystems", ours.Nqn));
        ours.AllowHost(HostNqn);
        ours.AllowHost(NvmetNames.TestNqnPrefix + "host");
        string prefixedHost = $"hosts/{NvmetNames.TestNqnPrefix}host";

        var expectedLeft = _fs.Snapshot().Where(p =>
            !p.Contains(ours.Nqn, StringComparison.Ordinal) && !p.StartsWith($"ports/{ourPort.PortId}", StringComparison.Ordinal)
            && !p.StartsWith(prefixedHost, StringComparison.Ordinal)).ToList();
        _fs.Log.Clear();

        var report = NvmetTarget.SweepLeftovers(_fs.Paths, NvmetNames.TestNqnPrefix, _fs);

        Assert.Empty(report.Failures);
        Assert.Equal(expectedLeft, _fs.Snapshot());
        Assert.False(File.Exists(ns.DevicePath));
        Assert.True(File.Exists(theirFile));
        Assert.Contains(ns.DevicePath, report.Removed);
        // configfs order: links before the items they join, namespaces before their subsystem.
        int Index(string entry) => _fs.Log.FindIndex(l => l == entry);
        Assert.True(Index($"unlink ports/1/subsystems/{ours.Nqn}") < Index($"rmdir subsystems/{ours.Nqn}"));
        Assert.True(Index($"unlink ports/{ourPort.PortId}/subsystems/{ours.Nqn}") < Index($"rmdir ports/{ourPort.PortId}"));
        Assert.True(Index($"write subsystems/{ours.Nqn}/namespaces/1/enable=0") < Index($"rmdir subsystems/{ours.Nqn}/namespaces/1"));
        Assert.True(Index($"unlink subsystems/{ours.Nqn}/allowed_hosts/{NvmetNames.TestNqnPrefix}host") < Index($"rmdir {prefixedHost}"));
        Assert.True(Index($"rmdir subsystems/{ours.Nqn}/namespaces/1") < Index($"rmdir subsystems/{ours.Nqn}"));

        // The sweep runs again without finding anything.
        Assert.Empty(NvmetTarget.SweepLeftovers(_fs.Paths, NvmetNames.TestNqnPrefix, _fs).Removed);
        foreign.Dispose();
    }

    [Fact]
    public void A_short_prefix_is_refused()
    {
        Assert.Throws<NvmetConfigException>(() => NvmetTarget.SweepLeftovers(_fs.Paths, "nqn.", _fs));
        Assert.Empty(_fs.Log);
    }
}
