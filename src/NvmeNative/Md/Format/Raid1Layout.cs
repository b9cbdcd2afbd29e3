using System.Collections.Immutable;
using NvmeNative.Errors;

namespace NvmeNative.Md.Format;

/// <summary>
/// Where mdadm 4.2 puts everything on the members of
/// <c>mdadm --create --level=1 --metadata=1.2 --bitmap=internal</c> (default data offset, default bitmap chunk,
/// bad-block log on), computed from the member sizes. All values are in 512-byte sectors unless named otherwise.
/// Sources: mdadm super1.c validate_geometry1, choose_bm_space, add_internal_bitmap1, write_init_super1,
/// init_super1 and Create.c; every rule is confirmed against real mdadm by the Fixtures/md golden images.
/// </summary>
internal sealed record Raid1Layout
{
    internal const ulong SuperOffset = Superblock1.V12SuperOffset;

    /// <summary>The bitmap starts 8 sectors (4 KiB) after the superblock: device byte 8192.</summary>
    internal const int BitmapOffset = 8;

    /// <summary>mdadm's default bitmap chunk when none is asked for: 64 MiB (or more, if the bits would not fit).</summary>
    internal const uint DefaultBitmapChunkBytes = 64u << 20;

    /// <summary>mdadm reserves 128 MiB of headroom for reshapes, halved while it exceeds ~0.1 % of the first member.</summary>
    internal const ulong MaxHeadroom = 128 * 1024 * 2;

    private Raid1Layout(ImmutableArray<ulong> memberSectors)
    {
        MemberSectors = memberSectors;
    }

    /// <summary>Each member's size in sectors, in command-line order.</summary>
    internal ImmutableArray<ulong> MemberSectors { get; }

    /// <summary>Where data starts on every member (chosen from the first member, as mdadm does).</summary>
    internal ulong DataOffset { get; private init; }

    /// <summary>superblock size: sectors of each member the array uses (its size); a multiple of 64 KiB.</summary>
    internal ulong ComponentSize { get; private init; }

    /// <summary>Per member: data_size = member size - data_offset.</summary>
    internal ImmutableArray<ulong> DataSizes { get; private init; }

    /// <summary>Bitmap chunk in bytes.</summary>
    internal uint BitmapChunkBytes { get; private init; }

    /// <summary>Bits in the bitmap: one per chunk of the component.</summary>
    internal ulong BitmapBits { get; private init; }

    /// <summary>Sectors the bitmap occupies (superblock + bits, rounded up to 4 KiB).</summary>
    internal uint BitmapSpace { get; private init; }

    /// <summary>Sectors from the superblock to the bad-block log (0 = no log).</summary>
    internal int BblogOffset { get; private init; }

    /// <summary>Sectors reserved for the bad-block log (8, or 0 when there is no room).</summary>
    internal ushort BblogSize { get; private init; }

    /// <summary>mdadm leaves bblog_shift 0 (one entry per sector).</summary>
    internal byte BblogShift => 0;

    /// <summary>dev_roles entries: the superblock rounded up to 512 bytes (128 for up to 128 devices).</summary>
    internal int MaxDev { get; private init; }

    internal int RaidDisks => MemberSectors.Length;

    private static InvalidInputException InvalidMembers(string message) => new(message, "validate md members", "members");

    /// <summary>Computes mdadm's layout for these members (sizes in sectors, i.e. bytes / 512).</summary>
    /// <exception cref="InvalidInputException">No members, too many, or a member too small for the metadata.</exception>
    internal static Raid1Layout Compute(IReadOnlyList<ulong> memberSectors)
    {
        ArgumentNullException.ThrowIfNull(memberSectors);
        int n = memberSectors.Count;
        if (n < 1)
            throw InvalidMembers("a RAID1 array needs at least one member");
        if (n > Superblock1.MaxDevLimit)
            throw InvalidMembers($"{n} members; a v1.2 superblock holds at most {Superblock1.MaxDevLimit}");

        ulong first = memberSectors[0];
        ulong dataOffset = DefaultDataOffset(first);
        ulong smallestFree = ulong.MaxValue;
        for (int i = 0; i < n; i++)
        {
            ulong sectors = memberSectors[i];
            if (sectors <= dataOffset)
                throw InvalidMembers(
                    $"member {i} has {sectors} sectors ({sectors * 512} bytes); md metadata alone needs the first {dataOffset} sectors");
            smallestFree = Math.Min(smallestFree, sectors - dataOffset);
        }
        // Create.c: size in KiB = smallest free space / 2, rounded down to 64 KiB "in case this is ever reshaped to RAID5".
        ulong componentSize = (smallestFree / 2 & ~63UL) * 2;
        if (componentSize == 0)
            throw InvalidMembers(
                $"the smallest member leaves {smallestFree} sectors after the metadata; at least 128 (64 KiB) are needed");

        uint chunk = DefaultBitmapChunk(componentSize);
        ulong bits = (componentSize * 512 + chunk - 1) / chunk;
        uint bitmapSpace = (uint)((256 + (bits + 7) / 8 + 4095) / 4096 * 8);

        // write_init_super1: the bad-block log goes right after the bitmap when it fits before the data,
        // else in the last 8 sectors before the data, else nowhere.
        int bblogOffset = 0;
        ushort bblogSize = 0;
        if (dataOffset >= SuperOffset + BitmapOffset + bitmapSpace + 8)
        {
            bblogSize = 8;
            bblogOffset = BitmapOffset + (int)bitmapSpace;
        }
        else if (dataOffset >= SuperOffset + 16)
        {
            bblogSize = 8;
            bblogOffset = (int)(dataOffset - 8 - SuperOffset);
        }

        var sizes = ImmutableArray.CreateBuilder<ulong>(n);
        foreach (ulong sectors in memberSectors)
            sizes.Add(sectors - dataOffset);
        return new Raid1Layout(memberSectors.ToImmutableArray())
        {
            DataOffset = dataOffset,
            ComponentSize = componentSize,
            DataSizes = sizes.MoveToImmutable(),
            BitmapChunkBytes = chunk,
            BitmapBits = bits,
            BitmapSpace = bitmapSpace,
            BblogOffset = bblogOffset,
            BblogSize = bblogSize,
            MaxDev = MaxDevFor(n),
        };
    }

    /// <summary>
    /// super1.c choose_bm_space: sectors to keep for a bitmap on a device of this many sectors — 4 KiB, 64 KiB
    /// above 8 GiB, 128 KiB from 200 GiB (always a multiple of 4 KiB).
    /// </summary>
    internal static ulong ChooseBitmapSpace(ulong sectors)
    {
        if (sectors < 64 * 2)
            return 0;
        if (sectors - 64 * 2 >= 200UL * 1024 * 1024 * 2)
            return 128 * 2;
        if (sectors - 4 * 2 > 8UL * 1024 * 1024 * 2)
            return 64 * 2;
        return 4 * 2;
    }

    /// <summary>
    /// validate_geometry1 for 1.2 and a chunkless level: 12 KiB (4 KiB before the superblock, the superblock, 4 KiB spare)
    /// + bitmap space + headroom, rounded up to 1 MiB. Headroom starts at 128 MiB and halves while it is more than
    /// 1/1024 of the device.
    /// </summary>
    internal static ulong DefaultDataOffset(ulong firstMemberSectors)
    {
        ulong headroom = MaxHeadroom;
        while ((headroom << 10) > firstMemberSectors)
            headroom >>= 1;
        ulong offset = 12 * 2 + ChooseBitmapSpace(firstMemberSectors) + headroom;
        return (offset + 2047) / 2048 * 2048;
    }

    /// <summary>
    /// add_internal_bitmap1 with no --bitmap-chunk: the bits must fit in choose_bm_space(size) (at most 128 KiB) less
    /// the 256-byte bitmap superblock; the smallest power-of-two chunk from 4 KiB that achieves that, but at least 64 MiB.
    /// </summary>
    internal static uint DefaultBitmapChunk(ulong componentSectors)
    {
        ulong room = Math.Min(ChooseBitmapSpace(componentSectors), 128 * 2);
        if (room <= 1)
            throw InvalidMembers($"a {componentSectors}-sector component leaves no room for a bitmap");
        ulong maxBits = (room * 512 - BitmapSuperblock.Length) * 8;
        ulong minChunk = 4096;
        ulong bits = componentSectors * 512 / minChunk + 1;
        while (bits > maxBits)
        {
            minChunk *= 2;
            bits = (bits + 1) / 2;
        }
        return checked((uint)Math.Max(minChunk, DefaultBitmapChunkBytes));
    }

    /// <summary>init_super1: dev_roles entries so that the superblock fills whole 512-byte sectors.</summary>
    internal static int MaxDevFor(int devices) => ((256 + 2 * devices + 511) / 512 * 512 - 256) / 2;
}
