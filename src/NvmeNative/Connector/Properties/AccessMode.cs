namespace NvmeNative.Connector;

/// <summary>The <c>access_mode</c> connection property.</summary>
public enum AccessMode
{
    /// <summary><c>rw</c>, the default.</summary>
    ReadWrite,

    /// <summary><c>ro</c>.</summary>
    ReadOnly,
}
