using NvmeNative.Interop;
using NvmeNative.Kernel;
using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>Helpers shared by the md kernel tests: unique names, mdadm as an oracle, data patterns, cleanup.</summary>
internal static class MdLab
{
    /// <summary>
    /// md tests run one at a time: md device names are host-global, and mdadm picks a "free" minor by looking only at
    /// /proc/mdstat, so an mdadm --create running next to our allocation can race for the same minor.
    /// </summary>
    internal const string Collection = "md (sequential)";

    internal static void RequireMd()
    {
        Requires.MdRaid1();
        Requires.Loop();
        Requires.Tool("mdadm");
        Requires.Tool("losetup");
    }

    /// <summary>A fresh array name per test (names are host-global).</summary>
    internal static MdArrayName UniqueName(string prefix) =>
        MdArrayName.Parse($"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>mdadm --create of a RAID1 like os-brick's, for the "mdadm creates, we read/stop/grow" direction.</summary>
    internal static MdDeviceName MdadmCreate(MdArrayName name, params LoopDevice[] members) =>
        MdadmCreate(name, members.Select(m => m.Device).ToArray());

    /// <summary>mdadm --create of a RAID1 like os-brick's over any block devices.</summary>
    internal static MdDeviceName MdadmCreate(MdArrayName name, params string[] members)
    {
        var args = new List<string> { "--create", "/dev/md/" + name.Value, "--run", "--quiet", "--level=1",
            $"--raid-devices={members.Length}", "--metadata=1.2", "--bitmap=internal", "--assume-clean", "--homehost=any",
            "--name=" + name.Value, "--failfast" };
        args.AddRange(members);
        Tools.Check("mdadm", [.. args]);
        string target = File.ResolveLinkTarget("/dev/md/" + name.Value, returnFinalTarget: true)!.FullName;
        return MdDeviceName.Parse(Path.GetFileName(target));
    }

    /// <summary>Stops whatever runs on the device (cleanup after a failed test); never throws.</summary>
    internal static void StopQuietly(MdDeviceName? device)
    {
        if (device is { } md && Directory.Exists($"/sys/block/{md.Value}/md"))
            Tools.Run("mdadm", "--stop", "/dev/" + md.Value);
    }

    /// <summary>mdadm --detail as KEY=VALUE pairs (--export).</summary>
    internal static Dictionary<string, string> DetailExport(string node) =>
        Tools.Check("mdadm", "--detail", "--export", node).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

    /// <summary>Deterministic random bytes.</summary>
    internal static byte[] Pattern(int seed, int length)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    internal static void WriteDevice(string node, long offset, byte[] data)
    {
        using var fd = Fd.Open(node, Interop.Fcntl.O_RDWR);
        Fd.PWrite(fd, data, offset, node);
        Fd.Fsync(fd, node);
    }

    internal static byte[] ReadDevice(string node, long offset, int length)
    {
        using var fd = Fd.Open(node, Interop.Fcntl.O_RDONLY);
        var data = new byte[length];
        Assert.Equal(length, Fd.PRead(fd, data, offset, node));
        return data;
    }

    /// <summary>
    /// Where the data regions of md legs first differ, or null when they are identical: each leg's
    /// [offset, offset + <paramref name="length"/>) is read from a fresh open in 1 MiB steps, all legs in lockstep, and
    /// compared byte for byte with the first leg's. An exact comparison, and faster than the fingerprint it replaces
    /// (a scalar multiply-xor mix ran at about 45 MB/s under the lab's emulation on 5.10; the comparison is vectorised).
    /// </summary>
    internal static string? FirstDifference(IReadOnlyList<(string Node, long Offset)> legs, long length)
    {
        const int Step = 1 << 20;
        var fds = new List<SafeFdHandle>();
        try
        {
            foreach (var (node, _) in legs)
                fds.Add(Fd.Open(node, Interop.Fcntl.O_RDONLY));
            var buffers = legs.Select(_ => new byte[Step]).ToArray();
            for (long done = 0; done < length;)
            {
                int n = (int)Math.Min(Step, length - done);
                for (int i = 0; i < legs.Count; i++)
                    ReadFully(fds[i], buffers[i].AsSpan(0, n), legs[i].Offset + done, legs[i].Node);
                var first = buffers[0].AsSpan(0, n);
                for (int i = 1; i < legs.Count; i++)
                {
                    if (!first.SequenceEqual(buffers[i].AsSpan(0, n)))
                    {
                        long at = done + first.CommonPrefixLength(buffers[i].AsSpan(0, n));
                        return $"{legs[i].Node} differs from {legs[0].Node} at byte {at} of the data region ({length} bytes)";
                    }
                }
                done += n;
            }
            return null;
        }
        finally
        {
            foreach (var fd in fds)
                fd.Dispose();
        }
    }

    /// <summary>Asserts that the legs' data regions are identical (<see cref="FirstDifference"/>).</summary>
    internal static void AssertSameData(IReadOnlyList<(string Node, long Offset)> legs, long length)
    {
        string? difference = FirstDifference(legs, length);
        Assert.True(difference is null, difference);
    }

    private static void ReadFully(SafeFdHandle fd, Span<byte> buffer, long offset, string node)
    {
        for (int done = 0; done < buffer.Length;)
        {
            int n = Fd.PRead(fd, buffer[done..], offset + done, node);
            Assert.True(n > 0, $"short read of {node} at {offset + done}");
            done += n;
        }
    }

    /// <summary>Drops cached pages of a block device so reads come from the device (BLKFLSBUF).</summary>
    internal static void FlushBuffers(string node)
    {
        using var fd = Fd.Open(node, Interop.Fcntl.O_RDONLY);
        Fd.IoctlValue(fd, Interop.Fs.BLKFLSBUF, 0, "BLKFLSBUF", node);
    }
}

/// <summary>Facts about a member read back with mdadm --examine.</summary>
internal static class Examine
{
    internal static string Of(string member) => Tools.Check("mdadm", "--examine", member);

    internal static long Events(string member) =>
        long.Parse(Field(Of(member), "Events"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"Data Offset : 4096 sectors" in bytes.</summary>
    internal static long DataOffsetBytes(string member) =>
        long.Parse(Field(Of(member), "Data Offset").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 512;

    internal static string Field(string examine, string name)
    {
        foreach (var line in examine.Split('\n'))
        {
            var parts = line.Split(" : ", 2);
            if (parts.Length == 2 && parts[0].Trim() == name)
                return parts[1].Trim();
        }
        throw new InvalidOperationException($"no '{name}' in:\n{examine}");
    }
}
