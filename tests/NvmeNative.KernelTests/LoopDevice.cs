namespace NvmeNative.KernelTests;

/// <summary>A loop device over a sparse file in /tmp, detached and deleted on dispose (even after a failed test).</summary>
internal sealed class LoopDevice : IDisposable
{
    private LoopDevice(string device, string backingFile)
    {
        Device = device;
        BackingFile = backingFile;
    }

    /// <summary>/dev/loopN.</summary>
    internal string Device { get; }

    internal string BackingFile { get; }

    /// <param name="bytes">The size.</param>
    /// <param name="sectorSize">The logical block size (losetup --sector-size), e.g. 4096; null: 512.</param>
    internal static LoopDevice Create(long bytes, int? sectorSize = null)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nvmenative-loop-{Guid.NewGuid():N}.img");
        using (var fs = new FileStream(file, FileMode.CreateNew))
            fs.SetLength(bytes);
        string device = sectorSize is int size
            ? Tools.Check("losetup", "--find", "--show", "--sector-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture), file).Trim()
            : Tools.Check("losetup", "--find", "--show", file).Trim();
        return new LoopDevice(device, file);
    }

    /// <summary>
    /// A loop device whose file starts with an MBR partition table of Linux partitions (start and length in 512-byte
    /// sectors), attached with --partscan so the kernel creates loopNpM for each.
    /// </summary>
    internal static LoopDevice CreatePartitioned(long bytes, params (uint Start, uint Sectors)[] partitions)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nvmenative-loop-{Guid.NewGuid():N}.img");
        var mbr = new byte[512];
        for (int i = 0; i < partitions.Length; i++)
        {
            var entry = mbr.AsSpan(446 + 16 * i, 16);
            entry[4] = 0x83; // Linux
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], partitions[i].Start);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], partitions[i].Sectors);
        }
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        using (var fs = new FileStream(file, FileMode.CreateNew))
        {
            fs.SetLength(bytes);
            fs.Write(mbr);
        }
        string device = Tools.Check("losetup", "--find", "--show", "--partscan", file).Trim();
        return new LoopDevice(device, file);
    }

    /// <summary>Grows the backing file and tells the loop driver (for grow tests).</summary>
    internal void Resize(long bytes)
    {
        using (var fs = new FileStream(BackingFile, FileMode.Open))
            fs.SetLength(bytes);
        Tools.Check("losetup", "--set-capacity", Device);
    }

    public void Dispose()
    {
        Tools.Run("losetup", "--detach", Device);
        File.Delete(BackingFile);
    }
}
