namespace NvmeNative.Target;

/// <summary>Optional attributes of an nvmet subsystem, written right after it is created.</summary>
public sealed record SubsystemOptions
{
    /// <summary>
    /// attr_allow_any_host. True (the default) lets any host connect. <see cref="NvmetSubsystem.AllowHost"/>
    /// switches it off, as nvmet refuses allowed_hosts links while it is on.
    /// </summary>
    public bool AllowAnyHost { get; init; } = true;

    /// <summary>
    /// attr_serial: printable ASCII, at most 20 characters (NVMET_SN_MAX_SIZE); before Linux 5.14 nvmet takes only a
    /// hexadecimal number of up to 16 digits (it refuses anything else, and the error says so). Null keeps nvmet's
    /// random serial.
    /// </summary>
    public string? Serial { get; init; }

    /// <summary>attr_model: printable ASCII, at most 40 characters (the Identify Controller MN field). Null keeps "Linux".</summary>
    public string? Model { get; init; }
}
