using System.Collections.Immutable;
using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.Md.Format;

/// <summary>One member of a RAID1 array being created: its size and the device uuid to store in its superblock.</summary>
internal readonly record struct Raid1NewMember(ulong Sectors, MdUuid DeviceUuid);

/// <summary>The layout and the per-member metadata of a RAID1 array being created.</summary>
internal sealed record Raid1CreatePlan(Raid1Layout Layout, ImmutableArray<MemberMetadata> Members);

/// <summary>
/// Builds the metadata mdadm 4.2 writes for
/// <c>mdadm --create --level=1 --raid-devices=N --metadata=1.2 --bitmap=internal --assume-clean --failfast
/// --homehost=any --name=NAME --uuid=UUID dev...</c> (super1.c init_super1, add_to_super1, write_init_super1,
/// add_internal_bitmap1). The golden tests compare it with real mdadm field for field.
/// </summary>
internal static class Raid1CreateMetadata
{
    /// <param name="name">--name.</param>
    /// <param name="arrayUuid">--uuid (set_uuid, also the bitmap's uuid).</param>
    /// <param name="members">Members in slot order: member i gets dev_number i and role i.</param>
    /// <param name="creationTime">ctime and utime (stored in whole seconds, like time(0)).</param>
    /// <param name="failFast">--failfast: devflags FailFast1 on every member.</param>
    /// <param name="assumeClean">--assume-clean: resync_offset MaxSector (no initial resync), else 0.</param>
    /// <param name="homehost">--homehost; mdadm prefixes set_name with it ("any:NAME").</param>
    internal static Raid1CreatePlan Build(MdArrayName name, MdUuid arrayUuid, IReadOnlyList<Raid1NewMember> members,
        DateTimeOffset creationTime, bool failFast = true, bool assumeClean = true, string? homehost = MdArrayName.AnyHost)
    {
        if (name.Value is null)
            throw new ArgumentException("default(MdArrayName) is not a name", nameof(name));
        ArgumentNullException.ThrowIfNull(members);
        var layout = Raid1Layout.Compute(members.Select(m => m.Sectors).ToList());
        var deviceUuids = new HashSet<MdUuid>();
        foreach (var m in members)
            if (!deviceUuids.Add(m.DeviceUuid))
                throw new InvalidInputException($"device uuid {m.DeviceUuid} is given to two members", "validate md members", "members");

        // init_super1 fills all of dev_roles with 0xffff (spare); add_to_super1 puts each active member's role at its number.
        var roles = Enumerable.Repeat(Interop.MdP.MD_DISK_ROLE_SPARE, layout.MaxDev).ToArray();
        for (int i = 0; i < members.Count; i++)
            roles[i] = (ushort)i;
        var time = Superblock1Time.FromCreationTime(creationTime);

        var bitmap = new BitmapSuperblock
        {
            Version = Interop.MdBitmap.BITMAP_MAJOR_HI,
            Uuid = arrayUuid,
            SyncSize = layout.ComponentSize,
            ChunkSize = layout.BitmapChunkBytes,
            DaemonSleep = Interop.MdBitmap.DEFAULT_BITMAP_DELAY,
        };
        byte[] bits = new byte[bitmap.BitsBytes];
        bits.AsSpan().Fill(0xff); // write_bitmap1: every chunk dirty; --assume-clean's resync_offset keeps that from causing a resync

        var common = new Superblock1
        {
            FeatureMap = Superblock1Features.BitmapOffset,
            SetUuid = arrayUuid,
            SetNameBytes = name.SetNameBytesFor(homehost),
            CTime = time,
            Level = 1,
            Layout = 0,
            Size = layout.ComponentSize,
            ChunkSize = 0,
            RaidDisks = members.Count,
            BitmapOffset = Raid1Layout.BitmapOffset,
            DataOffset = layout.DataOffset,
            SuperOffset = Raid1Layout.SuperOffset,
            DevFlags = failFast ? Superblock1DeviceFlags.FailFast : Superblock1DeviceFlags.None,
            BblogShift = layout.BblogShift,
            BblogSize = layout.BblogSize,
            BblogOffset = layout.BblogOffset,
            UTime = time,
            Events = 0, // init_super1 sets 1; write_init_super1 writes 0 to a member that had no superblock of this array
            ResyncOffset = assumeClean ? Superblock1.MaxSector : 0,
            DevRoles = ImmutableArray.Create(roles),
        };
        var result = ImmutableArray.CreateBuilder<MemberMetadata>(members.Count);
        for (int i = 0; i < members.Count; i++)
        {
            var sb = common with
            {
                DevNumber = (uint)i,
                DeviceUuid = members[i].DeviceUuid,
                DataSize = layout.DataSizes[i],
            };
            result.Add(new MemberMetadata(sb, bitmap, bits));
        }
        return new Raid1CreatePlan(layout, result.MoveToImmutable());
    }
}
