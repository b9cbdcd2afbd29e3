namespace NvmeNative.Benchmarks.Lab;

/// <summary>Reads of sysfs attributes the way os-brick's <c>sysfs_property</c> does: trimmed, null when unreadable.</summary>
internal static class Sysfs
{
    public static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null; // gone (a race with removal) or not a readable attribute: os-brick returns None too
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
