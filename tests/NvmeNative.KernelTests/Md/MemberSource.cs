using NvmeNative.Target;

namespace NvmeNative.KernelTests.Md;

/// <summary>What an md kernel test builds its array on.</summary>
public enum MemberKind
{
    /// <summary>Loop devices over sparse files in /tmp.</summary>
    Loop,

    /// <summary>NVMe/TCP namespaces: file-backed nvmet namespaces exported on 127.0.0.1, connected by this host.</summary>
    NvmeTcp,
}

/// <summary>One block device an md test uses as a member, and the file that holds its bytes.</summary>
internal interface ITestMember
{
    /// <summary>The host's block device node (/dev/loopN, /dev/nvmeXnY).</summary>
    string Device { get; }

    /// <summary>The sparse file behind it (the loop file, or the nvmet namespace's file on the target side).</summary>
    string BackingFile { get; }

    /// <summary>Grows the member and returns once the host's block device has the new size.</summary>
    void Resize(long bytes);
}

/// <summary>
/// Members for md kernel tests, from loop devices or from NVMe/TCP namespaces, so that one test proves a behaviour over
/// both. Dispose removes every member it made, even after a failed test: NVMe host controllers before the nvmet
/// target, so no controller is left reconnecting to a vanished port. Stop arrays on the members before disposing.
/// </summary>
internal sealed class MemberSource : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly List<IDisposable> _members = [];
    private readonly NvmetTarget? _target;

    internal MemberSource(MemberKind kind)
    {
        MdLab.RequireMd();
        Kind = kind;
        if (kind == MemberKind.NvmeTcp)
        {
            Requires.NvmeFabrics();
            Requires.Nvmet();
            _target = new NvmetTarget();
        }
    }

    internal MemberKind Kind { get; }

    /// <summary>A new member of <paramref name="bytes"/> (a sparse file: only what is written takes space).</summary>
    internal ITestMember Create(long bytes)
    {
        if (_target is null)
        {
            var loop = LoopDevice.Create(bytes);
            _members.Add(loop);
            return new LoopMember(loop);
        }
        var export = _target.CreateFileExport(bytes, allowedHostNqn: TestHostIdentity.HostNqn, label: "md-member");
        using var watch = new UeventWatch(); // before the connect: the disk's "add" must not be missed
        var controller = RawFabrics.Connect(RawFabrics.TcpOptions(export.Port, export.Subsystem), out _);
        _members.Add(controller);
        string disk = HostNamespaces.WaitForDisk(watch, export.Namespace.Uuid, Deadline);
        return new NvmeTcpMember(export, disk);
    }

    /// <summary><paramref name="count"/> members of the same size.</summary>
    internal ITestMember[] Create(int count, long bytes) => Enumerable.Range(0, count).Select(_ => Create(bytes)).ToArray();

    public void Dispose()
    {
        for (int i = _members.Count - 1; i >= 0; i--)
            _members[i].Dispose();
        _target?.Dispose();
    }

    private sealed class LoopMember(LoopDevice loop) : ITestMember
    {
        public string Device => loop.Device;

        public string BackingFile => loop.BackingFile;

        public void Resize(long bytes) => loop.Resize(bytes); // LOOP_SET_CAPACITY returns after the new size is set

        public override string ToString() => Device;
    }

    private sealed class NvmeTcpMember(NvmetExport export, string disk) : ITestMember
    {
        public string Device => "/dev/" + disk;

        public string BackingFile => export.Namespace.DevicePath;

        /// <summary>
        /// nvmet revalidates the namespace and sends a Namespace Attribute Changed AEN; the host rescans and sets the
        /// disk's new capacity, announced by a "change" uevent with RESIZE=1.
        /// </summary>
        public void Resize(long bytes)
        {
            using var watch = new UeventWatch();
            export.Namespace.Resize(bytes);
            if (HostNamespaces.SizeBytes(disk) != bytes)
                watch.WaitFor(e => e.Action == "change" && e["DEVNAME"] == disk && e["RESIZE"] == "1", Deadline, $"{disk} resized");
            Assert.Equal(bytes, HostNamespaces.SizeBytes(disk));
        }

        public override string ToString() => $"{Device} ({export.Namespace})";
    }
}
