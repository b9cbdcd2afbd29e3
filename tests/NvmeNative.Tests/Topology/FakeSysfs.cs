namespace NvmeNative.Tests.Topology;

/// <summary>
/// The NVMe part of sysfs on a <see cref="FakeKernelTree"/>, with the kernel's layout (same directories and
/// relative symlinks as the captured trees), for edge cases no lab run produces on demand.
/// </summary>
internal sealed class FakeSysfs : FakeKernelTree
{
    internal FakeSysfs()
        : base("nvmenative-sysfs-")
    {
        foreach (string d in new[] { "class/nvme", "class/nvme-subsystem", "block", "devices/virtual/nvme-fabrics/ctl", "devices/virtual/nvme-subsystem" })
            MakeDirectory(Sys(d));
    }

    internal string Sys(string relative) => Path.Combine(Paths.Sys, relative);

    internal string ControllerDir(int c) => Sys($"devices/virtual/nvme-fabrics/ctl/nvme{c}");

    internal string SubsystemDir(int s) => Sys($"devices/virtual/nvme-subsystem/nvme-subsys{s}");

    /// <summary>A fabrics controller, linked into subsystem <paramref name="subsystem"/> unless null.</summary>
    internal FakeSysfs Controller(int c, string nqn, int? subsystem, string address = "traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1",
        string state = "live", string transport = "tcp", string hostnqn = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555")
    {
        string dir = ControllerDir(c);
        Attributes(dir, ("state", state), ("transport", transport), ("subsysnqn", nqn), ("cntlid", $"{c + 1}"),
            ("hostnqn", hostnqn), ("hostid", "11111111-2222-3333-4444-555555555555"), ("numa_node", "-1"));
        if (address.Length > 0)
            Attributes(dir, ("address", address));
        Link(Sys($"class/nvme/nvme{c}"), $"../../devices/virtual/nvme-fabrics/ctl/nvme{c}");
        if (subsystem is int s)
        {
            Subsystem(s, nqn);
            Link(Path.Combine(SubsystemDir(s), $"nvme{c}"), $"../../nvme-fabrics/ctl/nvme{c}");
        }
        return this;
    }

    internal FakeSysfs Subsystem(int s, string nqn)
    {
        string dir = SubsystemDir(s);
        if (Directory.Exists(dir))
            return this;
        Attributes(dir, ("subsysnqn", nqn), ("iopolicy", "numa"), ("subsystype", "nvm"));
        Link(Sys($"class/nvme-subsystem/nvme-subsys{s}"), $"../../devices/virtual/nvme-subsystem/nvme-subsys{s}");
        return this;
    }

    /// <summary>
    /// A multipath namespace: the head nvmeSnH (unless <paramref name="withHead"/> is false: no live path
    /// yet) and a hidden path nvmeScCnH under each controller.
    /// </summary>
    internal FakeSysfs Head(int s, int h, uint nsid, string? uuid, string? nguid, (int Controller, string Ana)[] paths, bool withHead = true)
    {
        var ids = Ids(nsid, uuid, nguid);
        foreach (var (c, ana) in paths)
        {
            string name = $"nvme{s}c{c}n{h}";
            Attributes(Path.Combine(ControllerDir(c), name), [.. ids, ("ana_state", ana), ("ana_grpid", "1"), ("hidden", "1")]);
            Link(Sys($"block/{name}"), $"../devices/virtual/nvme-fabrics/ctl/nvme{c}/{name}");
        }
        if (withHead)
            AddHead(s, h, nsid, uuid, nguid);
        return this;
    }

    /// <summary>The head block device appearing later (a path went live).</summary>
    internal void AddHead(int s, int h, uint nsid, string? uuid, string? nguid)
    {
        string name = $"nvme{s}n{h}";
        Attributes(Path.Combine(SubsystemDir(s), name), [.. Ids(nsid, uuid, nguid), ("size", "32768"), ("hidden", "0")]);
        Link(Sys($"block/{name}"), $"../devices/virtual/nvme-subsystem/nvme-subsys{s}/{name}");
    }

    /// <summary>A non-multipath namespace device under a controller (multipath off, or a subsystem without CMIC).</summary>
    internal FakeSysfs Plain(int c, string name, uint nsid, string? uuid, string? nguid)
    {
        Attributes(Path.Combine(ControllerDir(c), name), [.. Ids(nsid, uuid, nguid), ("size", "2048")]);
        Link(Sys($"block/{name}"), $"../devices/virtual/nvme-fabrics/ctl/nvme{c}/{name}");
        return this;
    }

    internal void SetState(int c, string state) => Write(Path.Combine(ControllerDir(c), "state"), state);

    internal void RemoveController(int c)
    {
        System.IO.File.Delete(Sys($"class/nvme/nvme{c}"));
        Directory.Delete(ControllerDir(c), recursive: true);
    }

    internal FakeSysfs MultipathParameter(string value)
    {
        Attributes(Sys("module/nvme_core/parameters"), ("multipath", value));
        return this;
    }

    // As the kernel prints them: uuid shows the NGUID when there is no UUID; wwid says which one it is.
    private static (string, string)[] Ids(uint nsid, string? uuid, string? nguid)
    {
        var ids = new List<(string, string)> { ("nsid", $"{nsid}") };
        if (uuid is not null)
            ids.Add(("uuid", uuid));
        else if (nguid is not null)
            ids.Add(("uuid", nguid));
        if (nguid is not null)
            ids.Add(("nguid", nguid));
        ids.Add(("wwid", uuid is not null ? $"uuid.{uuid}" : nguid is not null ? $"eui.{nguid.Replace("-", "")}" : $"nvme.0000-3132-{nsid:x8}"));
        return [.. ids];
    }
}
