using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.Md.Format;

/// <summary>
/// A v1.x md superblock (struct mdp_superblock_1, little-endian): the 256-byte head plus dev_roles[max_dev].
/// <see cref="Parse"/> accepts exactly what the 6.1/6.12 kernels' super_1_load accepts (see
/// <see cref="Superblock1Rules"/>); <see cref="WriteTo"/> lays the fields out and stores the checksum.
/// Every field of the C struct is here; unions are shown by their md RAID1 meaning (bitmap_offset, not ppl;
/// recovery_offset, not journal_tail).
/// </summary>
internal sealed record Superblock1
{
    /// <summary>MD_SB_MAGIC.</summary>
    internal const uint Magic = Interop.MdP.MD_SB_MAGIC;

    /// <summary>resync_offset of an array that is in sync (the kernel's MaxSector).</summary>
    internal const ulong MaxSector = ulong.MaxValue;

    /// <summary>The kernel reads 4096 bytes and allows at most (4096 - 256) / 2 dev_roles entries.</summary>
    internal const int MaxDevLimit = (ImageLength - 256) / 2;

    /// <summary>Bytes the kernel reads at the superblock location.</summary>
    internal const int ImageLength = 4096;

    /// <summary>v1.2: the superblock is 8 sectors (4 KiB) from the start of the member.</summary>
    internal const ulong V12SuperOffset = 8;

    internal Superblock1Features FeatureMap { get; init; }

    internal MdUuid SetUuid { get; init; }

    /// <summary>set_name: exactly 32 bytes, NUL padded ("homehost:name" or "name"); see <see cref="SetName"/>.</summary>
    internal ImmutableArray<byte> SetNameBytes { get; init; } = ImmutableArray.Create(new byte[Superblock1Offsets.SetNameLength]);

    internal Superblock1Time CTime { get; init; }

    /// <summary>RAID level (1 for RAID1; signed: -1 linear, -4 multipath).</summary>
    internal int Level { get; init; }

    internal int Layout { get; init; }

    /// <summary>Used sectors per component (the RAID1 array size).</summary>
    internal ulong Size { get; init; }

    /// <summary>Chunk size in sectors (0 for RAID1).</summary>
    internal uint ChunkSize { get; init; }

    internal int RaidDisks { get; init; }

    /// <summary>Signed sectors from the superblock to the bitmap superblock; meaningful with <see cref="Superblock1Features.BitmapOffset"/>.</summary>
    internal int BitmapOffset { get; init; }

    internal int NewLevel { get; init; }

    internal ulong ReshapePosition { get; init; }

    internal int DeltaDisks { get; init; }

    internal int NewLayout { get; init; }

    internal uint NewChunk { get; init; }

    /// <summary>Signed sectors added to data_offset by a reshape (with <see cref="Superblock1Features.NewOffset"/>).</summary>
    internal int NewOffset { get; init; }

    /// <summary>Sector where data starts on this member.</summary>
    internal ulong DataOffset { get; init; }

    /// <summary>Sectors of this member usable for data.</summary>
    internal ulong DataSize { get; init; }

    /// <summary>Sector of this superblock (8 for v1.2).</summary>
    internal ulong SuperOffset { get; init; }

    /// <summary>recovery_offset (journal_tail for a journal device).</summary>
    internal ulong RecoveryOffset { get; init; }

    /// <summary>This member's permanent slot id: the index into dev_roles, GET_DISK_INFO's number.</summary>
    internal uint DevNumber { get; init; }

    internal uint CntCorrectedRead { get; init; }

    internal MdUuid DeviceUuid { get; init; }

    internal Superblock1DeviceFlags DevFlags { get; init; }

    internal byte BblogShift { get; init; }

    /// <summary>Sectors reserved for the bad-block log (0 = none).</summary>
    internal ushort BblogSize { get; init; }

    /// <summary>Signed sectors from the superblock to the bad-block log.</summary>
    internal int BblogOffset { get; init; }

    internal Superblock1Time UTime { get; init; }

    internal ulong Events { get; init; }

    /// <summary>Data before this sector is known in sync; <see cref="MaxSector"/> = clean.</summary>
    internal ulong ResyncOffset { get; init; }

    /// <summary>
    /// logical_block_size (0x0E0, formerly the first bytes of pad3): the array's logical block size as a kernel after
    /// 6.18 records it, 0 when unset. Older kernels refuse a superblock where it is set.
    /// </summary>
    internal uint LogicalBlockSize { get; init; }

    /// <summary>Role per dev_number (max_dev entries): a slot below 0xff00, or spare/faulty/journal.</summary>
    internal ImmutableArray<ushort> DevRoles { get; init; } = ImmutableArray<ushort>.Empty;

    internal int MaxDev => DevRoles.Length;

    /// <summary>Bytes covered by the checksum and written by <see cref="WriteTo"/>: 256 + 2·max_dev.</summary>
    internal int EncodedLength => Superblock1Offsets.HeadSize + 2 * MaxDev;

    /// <summary>set_name up to its first NUL, as UTF-8 (invalid bytes become U+FFFD; <see cref="SetNameBytes"/> is exact).</summary>
    internal string SetName
    {
        get
        {
            ReadOnlySpan<byte> raw = SetNameBytes.AsSpan();
            int nul = raw.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul < 0 ? raw : raw[..nul]);
        }
    }

    /// <summary>This member's role: dev_roles[dev_number], or spare when dev_number is outside dev_roles.</summary>
    internal ushort Role => DevNumber < (uint)MaxDev ? DevRoles[(int)DevNumber] : Interop.MdP.MD_DISK_ROLE_SPARE;

    /// <summary>True when resync_offset says the array is in sync.</summary>
    internal bool IsClean => ResyncOffset == MaxSector;

    internal bool FailFast => (DevFlags & Superblock1DeviceFlags.FailFast) != 0;

    /// <summary>set_name bytes for a string: UTF-8, at most 32 bytes, NUL padded.</summary>
    internal static ImmutableArray<byte> EncodeSetName(string name)
    {
        var bytes = new byte[Superblock1Offsets.SetNameLength];
        int count = Encoding.UTF8.GetByteCount(name);
        if (count > Superblock1Offsets.SetNameLength)
            throw new ArgumentException($"set_name holds {Superblock1Offsets.SetNameLength} bytes; '{name}' needs {count}", nameof(name));
        Encoding.UTF8.GetBytes(name, bytes);
        return ImmutableArray.Create(bytes);
    }

    /// <summary>
    /// Parses and validates a superblock image (at least 256 bytes, and 256 + 2·max_dev; the kernel reads 4096).
    /// </summary>
    /// <param name="image">The bytes at the superblock location.</param>
    /// <param name="path">The member, for error messages.</param>
    /// <param name="superOffset">Where the image was read, in sectors: 8 for v1.2, 0 for v1.1 (v1.0, at the end of the member, is not handled). super_offset must say the same.</param>
    /// <param name="deviceSectors">The member's size in sectors, when known: data_offset + data_size must fit.</param>
    /// <param name="logicalBlockSize">The member's logical block size: the kernel rounds the superblock size up to it.</param>
    /// <param name="kernelKnowsLogicalBlockSizeField">The running kernel reads the logical_block_size field (after 6.18):
    /// a superblock that sets it is accepted, as that kernel accepts it; otherwise it is refused, as older kernels do.</param>
    /// <exception cref="MdSuperblockException">No md magic, or a rule the kernel enforces is broken.</exception>
    internal static Superblock1 Parse(ReadOnlySpan<byte> image, string? path = null, ulong superOffset = V12SuperOffset,
        ulong? deviceSectors = null, int logicalBlockSize = 512, bool kernelKnowsLogicalBlockSizeField = false) =>
        ParseIfPresent(image, path, superOffset, deviceSectors, logicalBlockSize, kernelKnowsLogicalBlockSizeField)
        ?? throw new MdSuperblockException(
            $"no md superblock: magic is 0x{BinaryPrimitives.ReadUInt32LittleEndian(image):x8}, not 0x{Magic:x8}", "magic", path);

    /// <summary>
    /// Like <see cref="Parse"/>, but returns null when the image does not start with the md magic (zeroes, a file
    /// system, another format): "no md superblock here". An image that has the magic but breaks a rule still throws.
    /// </summary>
    internal static Superblock1? ParseIfPresent(ReadOnlySpan<byte> image, string? path = null, ulong superOffset = V12SuperOffset,
        ulong? deviceSectors = null, int logicalBlockSize = 512, bool kernelKnowsLogicalBlockSizeField = false)
    {
        if (image.Length < Superblock1Offsets.HeadSize)
            throw new ArgumentException($"a superblock image needs at least {Superblock1Offsets.HeadSize} bytes, got {image.Length}", nameof(image));
        if (ReadU32(image, Superblock1Offsets.Magic) != Magic)
            return null;
        Superblock1Rules.Check(image, path, superOffset, deviceSectors, logicalBlockSize, kernelKnowsLogicalBlockSizeField);
        return Decode(image);
    }

    private static Superblock1 Decode(ReadOnlySpan<byte> b)
    {
        int maxDev = (int)ReadU32(b, Superblock1Offsets.MaxDev);
        var roles = new ushort[maxDev];
        for (int i = 0; i < maxDev; i++)
            roles[i] = BinaryPrimitives.ReadUInt16LittleEndian(b[(Superblock1Offsets.DevRoles + 2 * i)..]);
        return new Superblock1
        {
            FeatureMap = (Superblock1Features)ReadU32(b, Superblock1Offsets.FeatureMap),
            SetUuid = MdUuid.FromBytes(b.Slice(Superblock1Offsets.SetUuid, MdUuid.Length)),
            SetNameBytes = ImmutableArray.Create(b.Slice(Superblock1Offsets.SetName, Superblock1Offsets.SetNameLength)),
            CTime = Superblock1Time.FromRaw(ReadU64(b, Superblock1Offsets.CTime)),
            Level = (int)ReadU32(b, Superblock1Offsets.Level),
            Layout = (int)ReadU32(b, Superblock1Offsets.Layout),
            Size = ReadU64(b, Superblock1Offsets.Size),
            ChunkSize = ReadU32(b, Superblock1Offsets.ChunkSize),
            RaidDisks = (int)ReadU32(b, Superblock1Offsets.RaidDisks),
            BitmapOffset = (int)ReadU32(b, Superblock1Offsets.BitmapOffset),
            NewLevel = (int)ReadU32(b, Superblock1Offsets.NewLevel),
            ReshapePosition = ReadU64(b, Superblock1Offsets.ReshapePosition),
            DeltaDisks = (int)ReadU32(b, Superblock1Offsets.DeltaDisks),
            NewLayout = (int)ReadU32(b, Superblock1Offsets.NewLayout),
            NewChunk = ReadU32(b, Superblock1Offsets.NewChunk),
            NewOffset = (int)ReadU32(b, Superblock1Offsets.NewOffset),
            DataOffset = ReadU64(b, Superblock1Offsets.DataOffset),
            DataSize = ReadU64(b, Superblock1Offsets.DataSize),
            SuperOffset = ReadU64(b, Superblock1Offsets.SuperOffset),
            RecoveryOffset = ReadU64(b, Superblock1Offsets.RecoveryOffset),
            DevNumber = ReadU32(b, Superblock1Offsets.DevNumber),
            CntCorrectedRead = ReadU32(b, Superblock1Offsets.CntCorrectedRead),
            DeviceUuid = MdUuid.FromBytes(b.Slice(Superblock1Offsets.DeviceUuid, MdUuid.Length)),
            DevFlags = (Superblock1DeviceFlags)b[Superblock1Offsets.DevFlags],
            BblogShift = b[Superblock1Offsets.BblogShift],
            BblogSize = BinaryPrimitives.ReadUInt16LittleEndian(b[Superblock1Offsets.BblogSize..]),
            BblogOffset = (int)ReadU32(b, Superblock1Offsets.BblogOffset),
            UTime = Superblock1Time.FromRaw(ReadU64(b, Superblock1Offsets.UTime)),
            Events = ReadU64(b, Superblock1Offsets.Events),
            ResyncOffset = ReadU64(b, Superblock1Offsets.ResyncOffset),
            LogicalBlockSize = ReadU32(b, Superblock1Offsets.LogicalBlockSize),
            DevRoles = ImmutableArray.Create(roles),
        };
    }

    /// <summary>
    /// Writes the superblock (<see cref="EncodedLength"/> bytes: head, then dev_roles) little-endian into
    /// <paramref name="destination"/>, with pad0 and pad3 zero (but for <see cref="LogicalBlockSize"/>, when set) and
    /// sb_csum computed. Bytes after EncodedLength are not touched.
    /// </summary>
    internal void WriteTo(Span<byte> destination)
    {
        if (SetNameBytes.Length != Superblock1Offsets.SetNameLength)
            throw new InvalidOperationException($"set_name must be {Superblock1Offsets.SetNameLength} bytes, not {SetNameBytes.Length}");
        if (MaxDev > MaxDevLimit)
            throw new InvalidOperationException($"max_dev {MaxDev} is above the kernel's limit of {MaxDevLimit}");
        if (destination.Length < EncodedLength)
            throw new ArgumentException($"the superblock needs {EncodedLength} bytes, the buffer has {destination.Length}", nameof(destination));
        Span<byte> b = destination[..EncodedLength];
        b.Clear();
        WriteU32(b, Superblock1Offsets.Magic, Magic);
        WriteU32(b, Superblock1Offsets.MajorVersion, 1);
        WriteU32(b, Superblock1Offsets.FeatureMap, (uint)FeatureMap);
        SetUuid.CopyTo(b.Slice(Superblock1Offsets.SetUuid, MdUuid.Length));
        SetNameBytes.AsSpan().CopyTo(b.Slice(Superblock1Offsets.SetName, Superblock1Offsets.SetNameLength));
        WriteU64(b, Superblock1Offsets.CTime, CTime.Raw);
        WriteU32(b, Superblock1Offsets.Level, (uint)Level);
        WriteU32(b, Superblock1Offsets.Layout, (uint)Layout);
        WriteU64(b, Superblock1Offsets.Size, Size);
        WriteU32(b, Superblock1Offsets.ChunkSize, ChunkSize);
        WriteU32(b, Superblock1Offsets.RaidDisks, (uint)RaidDisks);
        WriteU32(b, Superblock1Offsets.BitmapOffset, (uint)BitmapOffset);
        WriteU32(b, Superblock1Offsets.NewLevel, (uint)NewLevel);
        WriteU64(b, Superblock1Offsets.ReshapePosition, ReshapePosition);
        WriteU32(b, Superblock1Offsets.DeltaDisks, (uint)DeltaDisks);
        WriteU32(b, Superblock1Offsets.NewLayout, (uint)NewLayout);
        WriteU32(b, Superblock1Offsets.NewChunk, NewChunk);
        WriteU32(b, Superblock1Offsets.NewOffset, (uint)NewOffset);
        WriteU64(b, Superblock1Offsets.DataOffset, DataOffset);
        WriteU64(b, Superblock1Offsets.DataSize, DataSize);
        WriteU64(b, Superblock1Offsets.SuperOffset, SuperOffset);
        WriteU64(b, Superblock1Offsets.RecoveryOffset, RecoveryOffset);
        WriteU32(b, Superblock1Offsets.DevNumber, DevNumber);
        WriteU32(b, Superblock1Offsets.CntCorrectedRead, CntCorrectedRead);
        DeviceUuid.CopyTo(b.Slice(Superblock1Offsets.DeviceUuid, MdUuid.Length));
        b[Superblock1Offsets.DevFlags] = (byte)DevFlags;
        b[Superblock1Offsets.BblogShift] = BblogShift;
        BinaryPrimitives.WriteUInt16LittleEndian(b[Superblock1Offsets.BblogSize..], BblogSize);
        WriteU32(b, Superblock1Offsets.BblogOffset, (uint)BblogOffset);
        WriteU64(b, Superblock1Offsets.UTime, UTime.Raw);
        WriteU64(b, Superblock1Offsets.Events, Events);
        WriteU64(b, Superblock1Offsets.ResyncOffset, ResyncOffset);
        WriteU32(b, Superblock1Offsets.MaxDev, (uint)MaxDev);
        WriteU32(b, Superblock1Offsets.LogicalBlockSize, LogicalBlockSize);
        for (int i = 0; i < MaxDev; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(b[(Superblock1Offsets.DevRoles + 2 * i)..], DevRoles[i]);
        SuperblockChecksum.Store(b);
    }

    /// <summary>The superblock followed by zeroes up to <paramref name="blockLength"/> bytes (one aligned write).</summary>
    internal byte[] ToBlock(int blockLength = ImageLength)
    {
        var block = new byte[blockLength];
        WriteTo(block);
        return block;
    }

    /// <summary>Field-by-field equality (the arrays by content, which a record would compare by reference).</summary>
    public bool Equals(Superblock1? other) =>
        other is not null
        && (FeatureMap, SetUuid, CTime, Level, Layout, Size, ChunkSize, RaidDisks, BitmapOffset, NewLevel, ReshapePosition, DeltaDisks)
            == (other.FeatureMap, other.SetUuid, other.CTime, other.Level, other.Layout, other.Size, other.ChunkSize, other.RaidDisks,
                other.BitmapOffset, other.NewLevel, other.ReshapePosition, other.DeltaDisks)
        && (NewLayout, NewChunk, NewOffset, DataOffset, DataSize, SuperOffset, RecoveryOffset, DevNumber, CntCorrectedRead, DeviceUuid)
            == (other.NewLayout, other.NewChunk, other.NewOffset, other.DataOffset, other.DataSize, other.SuperOffset,
                other.RecoveryOffset, other.DevNumber, other.CntCorrectedRead, other.DeviceUuid)
        && (DevFlags, BblogShift, BblogSize, BblogOffset, UTime, Events, ResyncOffset, LogicalBlockSize)
            == (other.DevFlags, other.BblogShift, other.BblogSize, other.BblogOffset, other.UTime, other.Events, other.ResyncOffset,
                other.LogicalBlockSize)
        && SetNameBytes.AsSpan().SequenceEqual(other.SetNameBytes.AsSpan())
        && DevRoles.AsSpan().SequenceEqual(other.DevRoles.AsSpan());

    public override int GetHashCode() => HashCode.Combine(SetUuid, DeviceUuid, DevNumber, Events, DataOffset, Size, MaxDev);

    private static uint ReadU32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b[offset..]);

    private static ulong ReadU64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b[offset..]);

    private static void WriteU32(Span<byte> b, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(b[offset..], value);

    private static void WriteU64(Span<byte> b, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(b[offset..], value);
}
