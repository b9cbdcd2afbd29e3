using System.Globalization;
using System.Text.RegularExpressions;
using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>
/// A re-added member is resynced through the write-intent bitmap: md copies to it only the bitmap chunks written while
/// it was out, not the whole member (which is what a re-add that ignored the bitmap, or an add, would do). Measured as
/// the space the recovery allocated in the member's sparse backing file (loop file or nvmet namespace file), with a
/// full rebuild of a new member as the control that the measure sees a whole copy.
/// </summary>
[Collection(MdLab.Collection)]
public sealed partial class MdBitmapResyncTests(ITestOutputHelper output)
{
    // 512 MiB members: our create rules (mdadm's) give 64 MiB bitmap chunks, so 8 chunks; a full resync would copy
    // about 8 times what a one-chunk partial resync copies. Sparse files: only what is written takes space.
    private const long MemberBytes = 512L << 20;

    [Theory]
    [InlineData(MemberKind.Loop)]
    [InlineData(MemberKind.NvmeTcp)]
    public void A_readded_member_gets_only_the_chunks_written_while_it_was_out(MemberKind kind)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew(); // phase times go to the output: this is the suite's longest test
        using var source = new MemberSource(kind);
        var a = source.Create(MemberBytes);
        var b = source.Create(MemberBytes);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("bitmap"), [a.Device, b.Device]), ct);
        try
        {
            string sys = $"/sys/block/{array.Device.Value}/md";
            long chunk = long.Parse(File.ReadAllText(sys + "/bitmap/chunksize").Trim(), CultureInfo.InvariantCulture);
            var created = BitmapOf(a.Device);
            output.WriteLine($"{kind}: array {array.SizeBytes} bytes, bitmap chunk {chunk} bytes, {created} ({clock.Elapsed.TotalSeconds:0.0} s)");
            Assert.Equal((array.SizeBytes + chunk - 1) / chunk, created.Bits);
            Assert.True(created.Bits >= 8, $"only {created.Bits} bitmap chunks");

            // A create marks every chunk dirty (as mdadm does, Events 0); md's bitmap daemon clears a clean chunk's bit
            // on its second pass, and passes are bitmap/time_base apart (5 s by default): shorten the period to 1 s, the
            // shortest the bitmap superblock can record (it stores whole seconds, and md refuses to load a bitmap whose
            // daemon_sleep is 0, as our reader does).
            File.WriteAllText(sys + "/bitmap/time_base", "1");
            MdLab.WriteDevice(array.Node, 0, MdLab.Pattern(20, 4 << 20)); // data both members get while in sync
            // md announces no bitmap clears (no sysfs_notify, no uevent): re-read the on-disk bitmap until it is clean.
            SysfsWait.Until(() => BitmapOf(a.Device).Dirty == 0, TimeSpan.FromSeconds(60), "a clean bitmap on " + a.Device,
                () => BitmapOf(a.Device).ToString());

            arrays.FailMember(array.Device, b.Device);
            arrays.RemoveMember(array.Device, b.Device, cancellationToken: ct);
            long offset = 3 * chunk + (5 << 20); // inside chunk 3 only
            byte[] written = MdLab.Pattern(21, 2 << 20);
            MdLab.WriteDevice(array.Node, offset, written);
            var degraded = BitmapOf(a.Device);
            output.WriteLine($"while {b.Device} was out: {degraded} ({clock.Elapsed.TotalSeconds:0.0} s)");
            Assert.Equal(1, degraded.Dirty); // md keeps the bit of a chunk written while degraded

            long allocatedBefore = AllocatedBytes(b.BackingFile);
            arrays.ReAddMember(array.Device, b.Device);
            var synced = arrays.WaitForInSync(array.Device, TimeSpan.FromMinutes(5), ct);
            Assert.Equal(2, synced.Members.Count(m => m.IsActive));
            long copied = AllocatedBytes(b.BackingFile) - allocatedBefore;
            output.WriteLine($"recovery allocated {copied} bytes of {b.BackingFile}; the data region is {array.SizeBytes} bytes ({clock.Elapsed.TotalSeconds:0.0} s)");
            // The recovery wrote the dirty chunk (that is where the 2 MiB went) and nothing else: a full resync would have
            // filled the other 7 chunks of b's still-sparse file.
            Assert.InRange(copied, written.Length, 2 * chunk);
            Assert.True(array.SizeBytes - (4 << 20) > 4 * chunk, "a full resync must be distinguishable from a partial one");

            // Control: the same measure does see a full copy. A new member has no bitmap history, so md rebuilds all of it.
            var c = source.Create(MemberBytes);
            arrays.FailMember(array.Device, b.Device); // b stays as it was: in sync, and nothing is written after this
            arrays.RemoveMember(array.Device, b.Device, cancellationToken: ct);
            arrays.AddMember(array.Device, c.Device);
            arrays.WaitForInSync(array.Device, TimeSpan.FromMinutes(10), ct);
            long rebuilt = AllocatedBytes(c.BackingFile);
            output.WriteLine($"a full rebuild of the new member {c.Device} allocated {rebuilt} bytes ({clock.Elapsed.TotalSeconds:0.0} s)");
            Assert.True(rebuilt >= array.SizeBytes, $"a full rebuild allocated only {rebuilt} bytes");
            Assert.True(arrays.Stop(array, ct));

            long dataOffset = Examine.DataOffsetBytes(a.Device);
            Assert.Equal(dataOffset, Examine.DataOffsetBytes(b.Device));
            Assert.Equal(written, MdLab.ReadDevice(b.Device, dataOffset + offset, written.Length));
            MdLab.AssertSameData([(a.Device, dataOffset), (b.Device, dataOffset)], array.SizeBytes);
            output.WriteLine($"legs compared ({clock.Elapsed.TotalSeconds:0.0} s)");
        }
        finally
        {
            MdLab.StopQuietly(array.Device);
        }
    }

    /// <summary>The on-disk bitmap as mdadm --examine-bitmap reads it (after dropping the member's cached pages: md writes
    /// the bitmap with bios that bypass the page cache, so an earlier read could otherwise be served stale).</summary>
    private static BitmapCount BitmapOf(string member)
    {
        MdLab.FlushBuffers(member);
        string text = Tools.Check("mdadm", "--examine-bitmap", member);
        var m = BitmapLine().Match(text);
        Assert.True(m.Success, "no bitmap line in:\n" + text);
        return new BitmapCount(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Bytes the file system allocated to a (sparse) file: st_blocks × 512.</summary>
    private static long AllocatedBytes(string file) =>
        (long)NvmeNative.Kernel.Fd.Statx(file, Interop.Stat.STATX_BASIC_STATS).stx_blocks * 512;

    private readonly record struct BitmapCount(long Bits, long Dirty)
    {
        public override string ToString() => $"{Bits} bits, {Dirty} dirty";
    }

    [GeneratedRegex(@"Bitmap : (\d+) bits \(chunks\), (\d+) dirty")]
    private static partial Regex BitmapLine();
}
