using System.Buffers.Binary;
using NvmeNative.Md;
using NvmeNative.Md.Format;

namespace NvmeNative.TestSupport;

/// <summary>What an attach must make of a replica that carries a case's metadata.</summary>
internal enum HostileOutcome
{
    /// <summary>Its metadata fails a check when read: left out as InvalidMetadata, the check named.</summary>
    InvalidMetadata,

    /// <summary>No md magic at 4 KiB: it reads as carrying no superblock (left out as such, never taken for blank).</summary>
    NoSuperblock,

    /// <summary>A valid superblock of another array: left out as another array's member.</summary>
    OtherArray,

    /// <summary>Readable, but it disagrees with the array's other members (level, raid_disks): the assembly leaves it out.</summary>
    Mismatch,
}

/// <summary>
/// One crafted md v1.2 metadata image: a mutation of a genuine member's metadata region (the first
/// <see cref="HostileReplicaCorpus.HeadBytes"/> bytes: superblock at 4 KiB, bitmap after it).
/// </summary>
/// <param name="Name">A short name (the test case's display name).</param>
/// <param name="Outcome">What an attach must make of it.</param>
/// <param name="Rule">For <see cref="HostileOutcome.InvalidMetadata"/>, the <see cref="MdSuperblockException.Rule"/> expected.</param>
/// <param name="Craft">Changes the image in place.</param>
/// <param name="Reseal">Store a correct superblock checksum afterwards, so that only the crafted fields are wrong.</param>
/// <param name="MinDeviceBytes">The device must be at least this large for the case to mean what it says.</param>
internal sealed record HostileReplicaCase(string Name, HostileOutcome Outcome, string? Rule, Action<HostileImage> Craft, bool Reseal = true,
    long MinDeviceBytes = 0)
{
    public override string ToString() => Name;
}

/// <summary>A member's metadata region being crafted, with typed access to the superblock and bitmap fields.</summary>
internal sealed class HostileImage(byte[] head, long deviceBytes)
{
    private const int Sb = (int)MemberMetadata.SuperblockByteOffset;

    internal byte[] Head { get; } = head;

    internal long DeviceBytes { get; } = deviceBytes;

    internal ulong DeviceSectors => (ulong)DeviceBytes / 512;

    internal uint SbU32(int field) => BinaryPrimitives.ReadUInt32LittleEndian(Head.AsSpan(Sb + field));

    internal ulong SbU64(int field) => BinaryPrimitives.ReadUInt64LittleEndian(Head.AsSpan(Sb + field));

    internal void SbU32(int field, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Head.AsSpan(Sb + field), value);

    internal void SbU64(int field, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Head.AsSpan(Sb + field), value);

    internal void SbU16(int field, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Head.AsSpan(Sb + field), value);

    internal void Role(int dev, ushort role) => SbU16(Superblock1Offsets.DevRoles + 2 * dev, role);

    internal void AddFeature(Superblock1Features feature) => SbU32(Superblock1Offsets.FeatureMap, SbU32(Superblock1Offsets.FeatureMap) | (uint)feature);

    /// <summary>The bitmap superblock's byte offset in the image (from the superblock's bitmap_offset as it is now).</summary>
    internal int BitmapStart => Sb + (int)SbU32(Superblock1Offsets.BitmapOffset) * 512;

    internal void BmU32(int field, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Head.AsSpan(BitmapStart + field), value);

    internal void BmU64(int field, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Head.AsSpan(BitmapStart + field), value);

    /// <summary>Moves the bitmap superblock to <paramref name="offsetSectors"/> after the superblock and points bitmap_offset there.</summary>
    internal void MoveBitmap(int offsetSectors)
    {
        byte[] bitmap = Head.AsSpan(BitmapStart, BitmapSuperblock.Length).ToArray();
        Head.AsSpan(BitmapStart, BitmapSuperblock.Length).Clear();
        SbU32(Superblock1Offsets.BitmapOffset, (uint)offsetSectors);
        bitmap.CopyTo(Head.AsSpan(BitmapStart));
    }

    /// <summary>Stores a correct checksum (when max_dev leaves the covered bytes inside the 4 KiB superblock block).</summary>
    internal void Reseal()
    {
        var block = Head.AsSpan(Sb, Superblock1.ImageLength);
        if (SbU32(Superblock1Offsets.MaxDev) <= Superblock1.MaxDevLimit)
            SuperblockChecksum.Store(block);
    }
}

/// <summary>
/// A corpus of hostile md v1.2 replica metadata (issue 15): bad checksums, huge sizes, offsets past the device,
/// overlapping areas, wrong magic or version, another array's uuid, maximum member counts. Each case mutates a genuine
/// member's metadata region; the unit tests run every case through the reader, the assembly planner and the start rule,
/// the kernel tests write some onto a replica's namespace and attach. Shared by both test projects.
/// </summary>
internal static class HostileReplicaCorpus
{
    /// <summary>The metadata region a case covers: superblock at 4 KiB and bitmap at 8 KiB fit well inside.</summary>
    internal const int HeadBytes = 1 << 20;

    /// <summary>A device large enough for the bitmap-size attack (the bits of a whole device at 512-byte chunks exceed the cap).</summary>
    internal const long HugeDeviceBytes = 1L << 40;

    private static readonly MdUuid Another = MdUuid.Parse("0badf00d:0badf00d:0badf00d:0badf00d");

    internal static IReadOnlyList<HostileReplicaCase> Cases { get; } =
    [
        // Checksum, magic and version.
        new("bad-checksum", HostileOutcome.InvalidMetadata, "sb_csum", i => i.SbU64(Superblock1Offsets.Events, i.SbU64(Superblock1Offsets.Events) + 1), Reseal: false),
        new("zeroed-checksum", HostileOutcome.InvalidMetadata, "sb_csum", i => i.SbU32(Superblock1Offsets.SbCsum, 0), Reseal: false),
        new("wrong-magic", HostileOutcome.NoSuperblock, null, i => i.SbU32(Superblock1Offsets.Magic, Superblock1.Magic ^ 1)),
        new("major-version-0", HostileOutcome.InvalidMetadata, "major_version", i => i.SbU32(Superblock1Offsets.MajorVersion, 0)),
        new("major-version-2", HostileOutcome.InvalidMetadata, "major_version", i => i.SbU32(Superblock1Offsets.MajorVersion, 2)),
        new("unknown-feature-bit", HostileOutcome.InvalidMetadata, "feature_map", i => i.AddFeature((Superblock1Features)(1u << 31))),
        new("nonzero-pad0", HostileOutcome.InvalidMetadata, "pad0", i => i.SbU32(Superblock1Offsets.Pad0, 1)),
        new("newer-kernel-pad3", HostileOutcome.InvalidMetadata, "pad3", i => i.Head[(int)MemberMetadata.SuperblockByteOffset + Superblock1Offsets.Pad3] = 1),

        // Member counts.
        new("max-dev-above-kernel-limit", HostileOutcome.InvalidMetadata, "max_dev", i => i.SbU32(Superblock1Offsets.MaxDev, Superblock1.MaxDevLimit + 1), Reseal: false),
        new("max-dev-uint-max", HostileOutcome.InvalidMetadata, "max_dev", i => i.SbU32(Superblock1Offsets.MaxDev, uint.MaxValue), Reseal: false),
        new("max-members-more-slots-than-roles", HostileOutcome.InvalidMetadata, "raid_disks", i =>
        {
            i.SbU32(Superblock1Offsets.MaxDev, Superblock1.MaxDevLimit);
            for (int dev = 0; dev < Superblock1.MaxDevLimit; dev++)
                i.Role(dev, (ushort)dev);
            i.SbU32(Superblock1Offsets.RaidDisks, Superblock1.MaxDevLimit + 1);
        }),
        new("max-members-1920-way-mirror", HostileOutcome.Mismatch, null, i =>
        {
            i.SbU32(Superblock1Offsets.MaxDev, Superblock1.MaxDevLimit);
            for (int dev = 0; dev < Superblock1.MaxDevLimit; dev++)
                i.Role(dev, (ushort)dev);
            i.SbU32(Superblock1Offsets.RaidDisks, Superblock1.MaxDevLimit);
        }),
        new("raid-disks-negative", HostileOutcome.InvalidMetadata, "raid_disks", i => i.SbU32(Superblock1Offsets.RaidDisks, uint.MaxValue)),
        new("raid-disks-zero", HostileOutcome.InvalidMetadata, "raid_disks", i => i.SbU32(Superblock1Offsets.RaidDisks, 0)),
        new("dev-number-uint-max", HostileOutcome.InvalidMetadata, "dev_number", i => i.SbU32(Superblock1Offsets.DevNumber, uint.MaxValue)),
        new("dev-number-beyond-roles", HostileOutcome.InvalidMetadata, "dev_number", i => i.SbU32(Superblock1Offsets.DevNumber, i.SbU32(Superblock1Offsets.MaxDev))),
        new("own-role-beyond-slots", HostileOutcome.InvalidMetadata, "dev_roles", i => i.Role((int)i.SbU32(Superblock1Offsets.DevNumber), 500)),
        new("level-5", HostileOutcome.Mismatch, null, i => i.SbU32(Superblock1Offsets.Level, 5)),

        // Sizes and offsets past the device, overflowing sums.
        new("data-offset-past-device", HostileOutcome.InvalidMetadata, "data_size", i => i.SbU64(Superblock1Offsets.DataOffset, i.DeviceSectors + 2048)),
        new("data-offset-uint64-max", HostileOutcome.InvalidMetadata, "data_size", i => i.SbU64(Superblock1Offsets.DataOffset, ulong.MaxValue)),
        new("data-size-uint64-max", HostileOutcome.InvalidMetadata, "data_size", i => i.SbU64(Superblock1Offsets.DataSize, ulong.MaxValue)),
        new("data-size-past-device", HostileOutcome.InvalidMetadata, "data_size", i => i.SbU64(Superblock1Offsets.DataSize, i.DeviceSectors)),
        new("data-size-below-kernel-minimum", HostileOutcome.InvalidMetadata, "data_size", i => i.SbU64(Superblock1Offsets.DataSize, 9)),
        new("size-uint64-max", HostileOutcome.InvalidMetadata, "size", i => i.SbU64(Superblock1Offsets.Size, ulong.MaxValue)),
        new("size-beyond-data-size", HostileOutcome.InvalidMetadata, "size", i => i.SbU64(Superblock1Offsets.Size, i.SbU64(Superblock1Offsets.DataSize) + 1)),
        new("super-offset-0", HostileOutcome.InvalidMetadata, "super_offset", i => i.SbU64(Superblock1Offsets.SuperOffset, 0)),
        new("super-offset-uint64-max", HostileOutcome.InvalidMetadata, "super_offset", i => i.SbU64(Superblock1Offsets.SuperOffset, ulong.MaxValue)),

        // Overlapping areas.
        new("data-overlaps-superblock", HostileOutcome.InvalidMetadata, "data_offset", i => i.SbU64(Superblock1Offsets.DataOffset, 8)),
        new("bblog-size-huge", HostileOutcome.InvalidMetadata, "bblog_size", i =>
        {
            i.AddFeature(Superblock1Features.BadBlocks);
            i.SbU16(Superblock1Offsets.BblogSize, ushort.MaxValue);
        }),
        new("bblog-offset-zero", HostileOutcome.InvalidMetadata, "bblog_offset", i =>
        {
            i.AddFeature(Superblock1Features.BadBlocks);
            i.SbU32(Superblock1Offsets.BblogOffset, 0);
        }),
        new("bblog-before-the-device", HostileOutcome.InvalidMetadata, "bblog_offset", i =>
        {
            i.AddFeature(Superblock1Features.BadBlocks);
            i.SbU16(Superblock1Offsets.BblogSize, 8);
            i.SbU32(Superblock1Offsets.BblogOffset, unchecked((uint)int.MinValue));
        }),
        new("bblog-overlaps-bitmap", HostileOutcome.InvalidMetadata, "bblog_offset", i =>
        {
            i.AddFeature(Superblock1Features.BadBlocks);
            i.SbU16(Superblock1Offsets.BblogSize, 8);
            i.SbU32(Superblock1Offsets.BblogOffset, i.SbU32(Superblock1Offsets.BitmapOffset));
        }),
        new("bblog-in-the-data", HostileOutcome.InvalidMetadata, "bblog_offset", i =>
        {
            i.AddFeature(Superblock1Features.BadBlocks);
            i.SbU16(Superblock1Offsets.BblogSize, 8);
            i.SbU32(Superblock1Offsets.BblogOffset, (uint)(i.SbU64(Superblock1Offsets.DataOffset) - 8));
        }),
        new("bitmap-offset-int-max", HostileOutcome.InvalidMetadata, "bitmap_offset", i => i.SbU32(Superblock1Offsets.BitmapOffset, int.MaxValue)),
        new("bitmap-offset-int-min", HostileOutcome.InvalidMetadata, "bitmap_offset", i => i.SbU32(Superblock1Offsets.BitmapOffset, unchecked((uint)int.MinValue))),
        new("bitmap-offset-on-the-superblock", HostileOutcome.InvalidMetadata, "bitmap magic", i => i.SbU32(Superblock1Offsets.BitmapOffset, 0)),
        new("bitmap-spills-into-the-data", HostileOutcome.InvalidMetadata, "bitmap_offset", i =>
        {
            i.BmU32(BitmapSuperblockOffsets.ChunkSize, 512);
            i.MoveBitmap((int)i.SbU64(Superblock1Offsets.DataOffset) - 8 - 1);
        }),

        // The bitmap superblock.
        new("bitmap-wrong-magic", HostileOutcome.InvalidMetadata, "bitmap magic", i => i.BmU32(BitmapSuperblockOffsets.Magic, 0)),
        new("bitmap-version-2", HostileOutcome.InvalidMetadata, "bitmap version", i => i.BmU32(BitmapSuperblockOffsets.Version, 2)),
        new("bitmap-version-99", HostileOutcome.InvalidMetadata, "bitmap version", i => i.BmU32(BitmapSuperblockOffsets.Version, 99)),
        new("bitmap-chunk-zero", HostileOutcome.InvalidMetadata, "bitmap chunksize", i => i.BmU32(BitmapSuperblockOffsets.ChunkSize, 0)),
        new("bitmap-chunk-not-power-of-two", HostileOutcome.InvalidMetadata, "bitmap chunksize", i => i.BmU32(BitmapSuperblockOffsets.ChunkSize, 4097)),
        new("bitmap-chunk-uint-max", HostileOutcome.InvalidMetadata, "bitmap chunksize", i => i.BmU32(BitmapSuperblockOffsets.ChunkSize, uint.MaxValue)),
        new("bitmap-daemon-sleep-zero", HostileOutcome.InvalidMetadata, "bitmap daemon_sleep", i => i.BmU32(BitmapSuperblockOffsets.DaemonSleep, 0)),
        new("bitmap-write-behind-huge", HostileOutcome.InvalidMetadata, "bitmap write_behind", i => i.BmU32(BitmapSuperblockOffsets.WriteBehind, uint.MaxValue)),
        new("bitmap-sync-size-uint64-max", HostileOutcome.InvalidMetadata, "bitmap sync_size", i =>
        {
            i.BmU32(BitmapSuperblockOffsets.ChunkSize, 512);
            i.BmU64(BitmapSuperblockOffsets.SyncSize, ulong.MaxValue);
        }),
        new("bitmap-sync-size-past-device", HostileOutcome.InvalidMetadata, "bitmap sync_size", i => i.BmU64(BitmapSuperblockOffsets.SyncSize, i.DeviceSectors + 1)),
        new("bitmap-of-another-array", HostileOutcome.InvalidMetadata, "bitmap uuid", i => Another.CopyTo(i.Head.AsSpan(i.BitmapStart + BitmapSuperblockOffsets.Uuid, MdUuid.Length))),
        // The reproduction: data_offset pushed to the end of a large device makes room for a bitmap of
        // 512-byte chunks over the whole device (256 MiB of bits on 1 TiB), which used to be read at once.
        new("bitmap-size-of-the-whole-device", HostileOutcome.InvalidMetadata, "bitmap size", i =>
        {
            ulong dataOffset = i.DeviceSectors - 16;
            i.SbU64(Superblock1Offsets.DataOffset, dataOffset);
            i.SbU64(Superblock1Offsets.DataSize, 16);
            i.SbU64(Superblock1Offsets.Size, 16);
            i.BmU32(BitmapSuperblockOffsets.ChunkSize, 512);
            i.BmU64(BitmapSuperblockOffsets.SyncSize, dataOffset);
        }, MinDeviceBytes: HugeDeviceBytes),

        // Another array.
        new("another-arrays-uuid", HostileOutcome.OtherArray, null, i =>
        {
            Another.CopyTo(i.Head.AsSpan((int)MemberMetadata.SuperblockByteOffset + Superblock1Offsets.SetUuid, MdUuid.Length));
            Another.CopyTo(i.Head.AsSpan(i.BitmapStart + BitmapSuperblockOffsets.Uuid, MdUuid.Length));
        }),
    ];

    internal static HostileReplicaCase Get(string name) => Cases.Single(c => c.Name == name);

    /// <summary>A crafted copy of <paramref name="genuineHead"/> (a member's first <see cref="HeadBytes"/> bytes).</summary>
    internal static byte[] Craft(HostileReplicaCase hostile, byte[] genuineHead, long deviceBytes)
    {
        if (genuineHead.Length != HeadBytes)
            throw new ArgumentException($"the head must be {HeadBytes} bytes", nameof(genuineHead));
        var image = new HostileImage((byte[])genuineHead.Clone(), deviceBytes);
        hostile.Craft(image);
        if (hostile.Reseal)
            image.Reseal();
        return image.Head;
    }
}
