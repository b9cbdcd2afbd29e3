namespace NvmeNative.Cli;

/// <summary>A usage error found after parsing (a bad <c>--device-info</c>, an unreadable PROPS file): exit 2, one line on stderr, nothing changed.</summary>
internal sealed class UsageException(string message) : Exception(message);
