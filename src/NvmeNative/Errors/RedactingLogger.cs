using Microsoft.Extensions.Logging;

namespace NvmeNative.Errors;

/// <summary>
/// An <see cref="ILogger"/> in front of the caller's that does for log lines what the exception family does for
/// messages: anything shaped like a DH-HMAC-CHAP secret ("DHHC-1:...") is masked and control and format characters are
/// escaped, in the formatted line and in every structured value, so a secret or a forged line that reached a logged
/// value (an NQN, an alias, a path from the input) never reaches a log sink. Exceptions passed along are already redacted.
/// </summary>
internal sealed class RedactingLogger(ILogger inner) : ILogger
{
    /// <summary>The logger to use in front of <paramref name="logger"/> (itself when it is already one).</summary>
    internal static ILogger Wrap(ILogger logger) => logger as RedactingLogger ?? new RedactingLogger(logger);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
            return;
        string message = Clean(formatter(state, exception));
        IReadOnlyList<KeyValuePair<string, object?>> values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
            ? pairs.Select(p => new KeyValuePair<string, object?>(p.Key, p.Key == "{OriginalFormat}" || p.Value is not string text ? p.Value : Clean(text))).ToList()
            : [];
        inner.Log(logLevel, eventId, new Redacted(values, message), exception, static (s, _) => s.Message);
    }

    private static string Clean(string text) => DisplayText.Escape(SecretRedactor.RedactFreeText(text));

    /// <summary>The structured values, cleaned, and the cleaned line (what <see cref="ToString"/> gives, as the generated states do).</summary>
    private sealed class Redacted(IReadOnlyList<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        internal string Message { get; } = message;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
