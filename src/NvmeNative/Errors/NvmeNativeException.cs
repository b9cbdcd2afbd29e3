namespace NvmeNative.Errors;

/// <summary>
/// The one exception family of NvmeNative. Every failure carries what was being done
/// (<see cref="Operation"/>), on what (<see cref="Path"/>), the kernel's errno when there was one, and
/// the fabrics connect string with its secrets removed. Subclasses say which kind of failure it was.
/// </summary>
public class NvmeNativeException : IOException
{
    /// <summary>Creates an exception for a failed operation.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="operation">What was being done, e.g. "write /dev/nvme-fabrics" or "ioctl ADD_NEW_DISK".</param>
    /// <param name="path">The file, device or sysfs path involved, if any.</param>
    /// <param name="errno">The errno the kernel returned, if the failure came from a system call.</param>
    /// <param name="connectString">The fabrics option string; it is redacted here, whatever the caller passed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public NvmeNativeException(string message, string operation, string? path = null, int? errno = null,
        string? connectString = null, Exception? innerException = null)
        : base(Compose(message, operation, path, errno, connectString), innerException)
    {
        Operation = SecretRedactor.RedactFreeText(operation);
        Path = path is null ? null : SecretRedactor.RedactFreeText(path);
        ErrnoValue = errno;
        ConnectString = connectString is null ? null : SecretRedactor.RedactConnectString(connectString);
        if (errno is int e)
            HResult = e; // as the BCL's IOException does on Unix
    }

    /// <summary>What was being done when it failed.</summary>
    public string Operation { get; }

    /// <summary>The path involved, or null.</summary>
    public string? Path { get; }

    /// <summary>The raw errno, or null when the failure did not come from a system call.</summary>
    public int? ErrnoValue { get; }

    /// <summary>The errno as a known value, or null (also null for errnos outside <see cref="NvmeNative.Errors.Errno"/>).</summary>
    public Errno? Errno => ErrnoValue is int e && Enum.IsDefined(typeof(Errno), e) ? (Errno)e : null;

    /// <summary>The symbolic errno name ("ECONNREFUSED"), "errno N" for one we do not name, or null.</summary>
    public string? ErrnoName => ErrnoValue is int e ? ErrnoText.Name(e) : null;

    /// <summary>The fabrics connect string with DH-HMAC-CHAP secrets replaced, or null.</summary>
    public string? ConnectString { get; }

    // Secrets are masked and control characters escaped here, for every message of the family: values in messages come
    // from callers, files and devices, and a newline or a terminal escape among them would forge what stderr shows.
    private static string Compose(string message, string operation, string? path, int? errno, string? connectString)
    {
        var text = new System.Text.StringBuilder();
        text.Append(DisplayText.Escape(SecretRedactor.RedactFreeText(operation)));
        if (path is not null)
            text.Append(' ').Append(DisplayText.Escape(SecretRedactor.RedactFreeText(path)));
        text.Append(": ").Append(DisplayText.Escape(SecretRedactor.RedactFreeText(message)));
        if (errno is int e)
            text.Append(" (").Append(ErrnoText.Name(e)).Append(", errno ").Append(e).Append(')');
        if (connectString is not null)
            text.Append(" [").Append(DisplayText.Escape(SecretRedactor.RedactConnectString(connectString))).Append(']');
        return text.ToString();
    }
}
