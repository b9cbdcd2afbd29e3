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

    internal static LoopDevice Create(long bytes)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nvmenative-loop-{Guid.NewGuid():N}.img");
        using (var fs = new FileStream(file, FileMode.CreateNew))
            fs.SetLength(bytes);
        string device = Tools.Check("losetup", "--find", "--show", file).Trim();
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
