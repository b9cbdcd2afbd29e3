using System.Buffers.Binary;
using System.Numerics;

namespace NvmeNative.ReplicaState;

/// <summary>
/// SHA-256 (FIPS 180-4), for <see cref="VolumeKey"/>'s file and etcd key names. Ours rather than
/// <c>System.Security.Cryptography.SHA256</c>, which on Linux is OpenSSL: the first hash of a process loads libssl
/// and libcrypto with dlopen and reads OpenSSL's configuration, which in the lab was tens of milliseconds of every
/// <c>nvmenative attach</c> and <c>detach</c> process (it hashes the volume's key once), and a host without
/// libssl could not attach a replicated volume at all. The key is a name, not a secret: nothing here needs to be
/// constant-time. Unit tests hold it to the published test vectors and to the BCL's SHA-256.
/// </summary>
internal static class Sha256
{
    internal const int HashSize = 32;
    private const int BlockSize = 64;

    // The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The SHA-256 of <paramref name="data"/>.</summary>
    internal static byte[] HashData(ReadOnlySpan<byte> data)
    {
        var hash = new byte[HashSize];
        HashData(data, hash);
        return hash;
    }

    /// <summary>Writes the SHA-256 of <paramref name="data"/> to the first 32 bytes of <paramref name="destination"/>.</summary>
    internal static void HashData(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize, nameof(destination));
        // The first 32 bits of the fractional parts of the square roots of the first 8 primes.
        Span<uint> state = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        Span<uint> schedule = stackalloc uint[64];
        int whole = data.Length - data.Length % BlockSize;
        for (int offset = 0; offset < whole; offset += BlockSize)
            Compress(state, data.Slice(offset, BlockSize), schedule);

        // The tail, a 1 bit, zeros and the length in bits (big-endian) fill one or two last blocks.
        Span<byte> last = stackalloc byte[2 * BlockSize];
        last.Clear();
        var tail = data[whole..];
        tail.CopyTo(last);
        last[tail.Length] = 0x80;
        int lastLength = tail.Length + 1 + sizeof(ulong) <= BlockSize ? BlockSize : 2 * BlockSize;
        BinaryPrimitives.WriteUInt64BigEndian(last[(lastLength - sizeof(ulong))..], (ulong)data.Length * 8);
        for (int offset = 0; offset < lastLength; offset += BlockSize)
            Compress(state, last.Slice(offset, BlockSize), schedule);

        for (int i = 0; i < state.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], state[i]);
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block, Span<uint> w)
    {
        for (int t = 0; t < 16; t++)
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
        for (int t = 16; t < 64; t++)
        {
            uint s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = K;
        for (int t = 0; t < 64; t++)
        {
            uint sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            uint choose = (e & f) ^ (~e & g);
            uint t1 = h + sum1 + choose + k[t] + w[t];
            uint sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            uint majority = (a & b) ^ (a & c) ^ (b & c);
            uint t2 = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}
