namespace NvmeNative.Kernel;

/// <summary>
/// The points of a <see cref="DurableFile.Replace"/> at which a process can die. Tests inject a failure at each
/// to prove that a reader sees the old content or the new, never a mix.
/// </summary>
internal enum DurableWriteStep
{
    /// <summary>Nothing has been created yet.</summary>
    BeforeTempCreate,

    /// <summary>The temporary file exists, empty.</summary>
    AfterTempCreate,

    /// <summary>Half of the content is in the temporary file (a write cut short).</summary>
    AfterPartialWrite,

    /// <summary>All content is in the temporary file, not yet fsynced.</summary>
    AfterTempWrite,

    /// <summary>The temporary file's content is on stable storage.</summary>
    AfterTempFsync,

    /// <summary>The temporary file has the final name; the directory entry is not yet on stable storage.</summary>
    AfterRename,

    /// <summary>The directory is fsynced: the new content is durable.</summary>
    AfterDirectoryFsync,
}
