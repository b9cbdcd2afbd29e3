using System.Text;
using NvmeNative.ReplicaState;

namespace NvmeNative.Tests.ReplicaState;

/// <summary>The record keys' own SHA-256: the published test vectors, and the BCL's SHA-256 across every padding case.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void Published_test_vectors(string message, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void A_million_a()
    {
        byte[] message = new byte[1_000_000];
        Array.Fill(message, (byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Convert.ToHexStringLower(Sha256.HashData(message)));
    }

    [Fact]
    public void Agrees_with_the_bcl_for_every_length_up_to_three_blocks_and_a_large_input()
    {
        var random = new Random(20261207);
        var lengths = Enumerable.Range(0, 3 * 64 + 2).Append(100_003);
        foreach (int length in lengths)
        {
            byte[] message = new byte[length];
            random.NextBytes(message);
            Assert.True(System.Security.Cryptography.SHA256.HashData(message).AsSpan().SequenceEqual(Sha256.HashData(message)), $"length {length}");
        }
    }

    [Fact]
    public void Writes_into_a_larger_destination_and_refuses_a_short_one()
    {
        byte[] destination = new byte[40];
        Sha256.HashData("abc"u8, destination);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(destination.AsSpan(0, 32)));
        Assert.All(destination[32..], b => Assert.Equal(0, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256.HashData("abc"u8, new byte[31]));
    }
}
