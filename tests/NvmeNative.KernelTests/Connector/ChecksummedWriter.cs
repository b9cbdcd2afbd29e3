using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using NvmeNative.Kernel;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A writer thread for loss tests: writes 4 KiB blocks with O_DIRECT at random places of the first
/// <c>blocks</c> blocks of a device, each block carrying its own sequence number, and records for every block the
/// checksum of the last content written there, every write's latency and every write error. <see cref="Verify"/> reads
/// every written block back and compares it with its last checksum.
/// </summary>
internal sealed class ChecksummedWriter : IDisposable
{
    internal const int BlockSize = 4096;

    // O_DIRECT differs by architecture (Interop leaves it out for that reason).
    private static readonly int ODirect = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;

    private readonly string _device;
    private readonly int _blocks;
    private readonly Dictionary<int, string> _checksums = [];
    private readonly List<(TimeSpan At, string Error)> _errors = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Thread _thread;
    private readonly object _gate = new();
    private volatile bool _stop;
    private long _writes;
    private TimeSpan _longest;
    private TimeSpan _phaseLongest;

    internal ChecksummedWriter(string device, int blocks)
    {
        _device = device;
        _blocks = blocks;
        _thread = new Thread(Run) { IsBackground = true, Name = "checksummed writer" };
        _thread.Start();
    }

    /// <summary>Writes completed so far.</summary>
    internal long Writes => Interlocked.Read(ref _writes);

    /// <summary>The longest write latency since the writer started.</summary>
    internal TimeSpan Longest
    {
        get { lock (_gate) return _longest; }
    }

    /// <summary>Write errors, with the time since the writer started.</summary>
    internal List<(TimeSpan At, string Error)> Errors
    {
        get { lock (_gate) return [.. _errors]; }
    }

    /// <summary>The time since the writer started (to compare with <see cref="Errors"/>).</summary>
    internal TimeSpan Now => _clock.Elapsed;

    /// <summary>The longest latency since the last call (a phase's figure), and starts the next phase.</summary>
    internal TimeSpan TakePhaseLongest()
    {
        lock (_gate)
        {
            var longest = _phaseLongest;
            _phaseLongest = TimeSpan.Zero;
            return longest;
        }
    }

    /// <summary>Waits until <paramref name="more"/> further writes completed (the writer makes progress).</summary>
    internal void WaitForProgress(int more, TimeSpan timeout)
    {
        long target = Writes + more;
        SysfsWait.Until(() => Writes >= target || !_thread.IsAlive, timeout, $"{more} more writes to {_device}",
            () => $"{Writes} writes, errors: {string.Join("; ", Errors.Select(e => e.Error))}");
        Assert.True(_thread.IsAlive || _stop, $"the writer stopped: {string.Join("; ", Errors.Select(e => e.Error))}");
    }

    /// <summary>Stops the writer and waits for its last write.</summary>
    internal void Stop()
    {
        _stop = true;
        _thread.Join();
    }

    /// <summary>Reads every written block back through <paramref name="device"/> and compares it with its last checksum.</summary>
    internal void Verify(string device)
    {
        Assert.False(_thread.IsAlive, "stop the writer first");
        using var fd = Fd.Open(device, Interop.Fcntl.O_RDONLY | ODirect);
        using var buffer = new AlignedBuffer(BlockSize);
        var wrong = new List<int>();
        foreach (var (block, checksum) in _checksums)
        {
            Assert.Equal(BlockSize, Fd.PRead(fd, buffer.Span, (long)block * BlockSize, device));
            if (Convert.ToHexString(SHA256.HashData(buffer.Span)) != checksum)
                wrong.Add(block);
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {_checksums.Count} blocks read back differ from their last write: {string.Join(", ", wrong.Take(20))}");
    }

    /// <summary>How many distinct blocks were written.</summary>
    internal int BlocksWritten => _checksums.Count;

    public void Dispose()
    {
        if (_thread.IsAlive)
            Stop();
    }

    private void Run()
    {
        var random = new Random(Environment.TickCount);
        using var buffer = new AlignedBuffer(BlockSize);
        using var fd = Fd.Open(_device, Interop.Fcntl.O_RDWR | ODirect);
        long sequence = 0;
        while (!_stop)
        {
            int block = random.Next(_blocks);
            var span = buffer.Span;
            random.NextBytes(span);
            BinaryPrimitives.WriteInt64LittleEndian(span, ++sequence);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], block);
            string checksum = Convert.ToHexString(SHA256.HashData(span));
            long start = Stopwatch.GetTimestamp();
            try
            {
                Fd.PWrite(fd, span, (long)block * BlockSize, _device);
            }
            catch (Exception e)
            {
                lock (_gate)
                    _errors.Add((_clock.Elapsed, e.Message));
                // The block's content is unknown now: it is not verified, and the writer pauses briefly so an
                // array that lost every mirror does not spin.
                _checksums.Remove(block);
                Thread.Sleep(100);
                continue;
            }
            var latency = Stopwatch.GetElapsedTime(start);
            lock (_gate)
            {
                _checksums[block] = checksum;
                if (latency > _longest)
                    _longest = latency;
                if (latency > _phaseLongest)
                    _phaseLongest = latency;
            }
            Interlocked.Increment(ref _writes);
        }
    }
}
