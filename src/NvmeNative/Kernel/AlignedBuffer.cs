using System.Runtime.InteropServices;

namespace NvmeNative.Kernel;

/// <summary>
/// Native memory aligned to 4096 bytes, for I/O that must also work on descriptors opened with O_DIRECT
/// (which need the buffer, offset and length aligned to the logical block size: 512 or 4096). Freed on dispose.
/// </summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    internal const int Alignment = 4096;

    private void* _memory;

    /// <summary>Allocates <paramref name="length"/> zeroed bytes; the length must be a multiple of 4096.</summary>
    internal AlignedBuffer(int length)
    {
        if (length <= 0 || length % Alignment != 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a positive multiple of {Alignment}");
        _memory = NativeMemory.AlignedAlloc((nuint)length, Alignment);
        Length = length;
        Span.Clear();
    }

    internal int Length { get; }

    internal Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            return new Span<byte>(_memory, Length);
        }
    }

    public void Dispose()
    {
        if (_memory is not null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
