using System.Text;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// Appends <c>token=value</c> fields, comma-separated, as UTF-8 into a caller's buffer (usually stackalloc): no
/// allocation on the connect path. Numbers are plain decimal, never zero-padded, because the kernel parses them
/// with base 0 (a leading 0 would mean octal). Once a field does not fit, <see cref="Length"/> is -1.
/// </summary>
internal ref struct OptionStringWriter
{
    private readonly Span<byte> _buffer;
    private readonly bool _redactSecrets;
    private int _length;

    internal OptionStringWriter(Span<byte> buffer, bool redactSecrets)
    {
        _buffer = buffer;
        _redactSecrets = redactSecrets;
    }

    /// <summary>Bytes written, or -1 when the buffer was too small.</summary>
    internal readonly int Length => _length;

    internal void Text(ReadOnlySpan<byte> token, string? value)
    {
        if (value is null || !Begin(token, withValue: true))
            return;
        if (Encoding.UTF8.GetMaxByteCount(value.Length) > _buffer.Length - _length &&
            Encoding.UTF8.GetByteCount(value) > _buffer.Length - _length)
        {
            _length = -1;
            return;
        }
        _length += Encoding.UTF8.GetBytes(value, _buffer[_length..]);
    }

    internal void Number(ReadOnlySpan<byte> token, long? value)
    {
        if (value is not long v || !Begin(token, withValue: true))
            return;
        if (!v.TryFormat(_buffer[_length..], out int n, default, System.Globalization.CultureInfo.InvariantCulture))
        {
            _length = -1;
            return;
        }
        _length += n;
    }

    internal void Uuid(ReadOnlySpan<byte> token, NvmeUuid value)
    {
        if (!Begin(token, withValue: true))
            return;
        if (!value.TryFormat(_buffer[_length..], out int n, default, null))
        {
            _length = -1;
            return;
        }
        _length += n;
    }

    internal void Secret(ReadOnlySpan<byte> token, DhchapSecret? secret)
    {
        if (secret is null || !Begin(token, withValue: true))
            return;
        if (_redactSecrets)
            Raw(Encoding.UTF8.GetBytes(secret.ToString()));
        else
            Raw(secret.Utf8);
    }

    internal void Flag(ReadOnlySpan<byte> token, bool set)
    {
        if (set)
            Begin(token, withValue: false);
    }

    private bool Begin(ReadOnlySpan<byte> token, bool withValue)
    {
        if (_length < 0)
            return false;
        if (_length > 0)
            Raw(","u8);
        Raw(token);
        if (withValue)
            Raw("="u8);
        return _length >= 0;
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        if (_length < 0)
            return;
        if (bytes.Length > _buffer.Length - _length)
        {
            _length = -1;
            return;
        }
        bytes.CopyTo(_buffer[_length..]);
        _length += bytes.Length;
    }
}
