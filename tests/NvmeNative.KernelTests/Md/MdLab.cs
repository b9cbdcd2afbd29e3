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
    /// A 128-bit fingerprint of a member's data region [offset, offset + length) read from a fresh open, for comparing
    /// legs: equal regions give equal strings, and any difference in content or position changes it (two lanes of
    /// 64-bit multiply-xor mixing over every word and its index). Not SHA-256: under the lab's software emulation
    /// SHA-256 ran at about 15 MB/s, a minute for the two 512 MiB legs of the bitmap test; this runs at the speed of
    /// the read, and no adversary picks the data.
    /// </summary>
    internal static string HashRegion(string node, long offset, long length)
    {
        using var fd = Fd.Open(node, Interop.Fcntl.O_RDONLY);
        var buffer = new byte[1 << 20];
        var fingerprint = new RegionFingerprint();
        for (long done = 0; done < length;)
        {
            int n = Fd.PRead(fd, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), offset + done, node);
            Assert.True(n > 0, $"short read of {node} at {offset + done}");
            fingerprint.Append(buffer.AsSpan(0, n));
            done += n;
        }
        return fingerprint.ToString();
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

/// <summary>
/// The fingerprint behind <see cref="MdLab.HashRegion"/>: two independent 64-bit lanes, each mixing every 8-byte word
/// with its running index (so equal words at other places differ), finished with the total length.
/// </summary>
internal sealed class RegionFingerprint
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private ulong _a = 0x243F6A8885A308D3UL;
    private ulong _b = 0x13198A2E03707344UL;
    private ulong _index;
    private long _length;
    private readonly byte[] _tail = new byte[8];
    private int _tailLength;

    internal void Append(ReadOnlySpan<byte> data)
    {
        _length += data.Length;
        if (_tailLength > 0)
        {
            int take = Math.Min(8 - _tailLength, data.Length);
            data[..take].CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += take;
            data = data[take..];
            if (_tailLength < 8)
                return;
            Mix(BitConverter.ToUInt64(_tail));
            _tailLength = 0;
        }
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong word in words)
            Mix(word);
        var rest = data[(words.Length * 8)..];
        rest.CopyTo(_tail);
        _tailLength = rest.Length;
    }

    private void Mix(ulong word)
    {
        _index++;
        _a = ulong.RotateLeft((_a ^ word) * Prime1, 29) + _index;
        _b = ulong.RotateLeft((_b + word) * Prime2, 37) ^ (_index * Prime1);
    }

    public override string ToString()
    {
        ulong a = _a, b = _b;
        for (int i = 0; i < _tailLength; i++)
        {
            a = ulong.RotateLeft((a ^ _tail[i]) * Prime1, 29);
            b = ulong.RotateLeft((b + _tail[i]) * Prime2, 37);
        }
        a ^= (ulong)_length * Prime2;
        b ^= (ulong)_length * Prime1;
        return $"{a:X16}{b:X16}";
    }
}
