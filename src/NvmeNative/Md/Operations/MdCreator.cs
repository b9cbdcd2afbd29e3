using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>
/// Creates a RAID1 array like <c>mdadm --create --level=1 --metadata=1.2 --bitmap=internal --assume-clean --failfast
/// --homehost=any --name=NAME</c> (Create.c): every check first, then allocate the md device, write superblocks and
/// bitmaps, SET_ARRAY_INFO (1.2), ADD_NEW_DISK per member, RUN_ARRAY (or array_state=readonly), RESTART_ARRAY_RW,
/// the map entry and the /dev/md/NAME link. A failure after the first kernel change stops the array and removes the
/// link and map entry it made; the members keep the superblocks written (as with mdadm).
/// </summary>
internal sealed class MdCreator(MdPaths paths)
{
    private const string Operation = "create";

    internal MdArray Create(MdCreateRequest request, CancellationToken cancellationToken)
    {
        var (claims, plan, uuid, partitions) = Validate(request);
        var journal = new UndoJournal();
        MdControl? control = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < claims.Count; i++)
                MemberPartitions.Delete(claims[i].Fd, claims[i].Device.Path, partitions[i], journal, Operation);
            var md = new MdDeviceAllocator(paths).Allocate();
            var opened = control = MdControl.TryOpen(paths, md, exclusive: true, out int errno);
            if (opened is null)
            {
                // Then it is not ours to stop: the empty md device stays allocated, as a phantom from md's open-to-create would.
                throw new MdException("cannot open the newly allocated md device exclusively", Operation, paths.Node(md), errno: errno);
            }
            if (opened.GetArrayInfo() is not null)
                throw new MdException("the newly allocated md device is already configured by someone else", Operation, opened.Node);
            journal.Push($"stop {md}", () => StopOwned(opened));

            using (var write = MdSpans.Start(Telemetry.Activities.SuperblockWrite, md, cancellationToken))
            {
                try
                {
                    for (int i = 0; i < claims.Count; i++)
                    {
                        var claim = claims[i];
                        var old = MdSuperblockProbe.Find(claim.Fd, claim.Device.Path, claim.Device.SizeBytes);
                        if (old.Count > 0)
                            MdSuperblockProbe.Erase(claim.Fd, claim.Device.Path, old, claim.Device.LogicalBlockSize);
                        MemberMetadataIO.Write(claim.Fd, claim.Device.Path, plan.Members[i], claim.Device.SizeBytes);
                    }
                }
                catch (Exception e) when (write.Failed(e))
                {
                    throw;
                }
            }
            var devices = claims.Select(c => c.Device).ToList();
            // md claims each member exclusively itself when it imports it: our O_EXCL descriptors must be closed first.
            foreach (var claim in claims)
                claim.Dispose();

            using (var configure = MdSpans.Ioctls("configure", md, cancellationToken))
            {
                try
                {
                    opened.SetArrayInfoVersion12();
                    for (int i = 0; i < devices.Count; i++)
                    {
                        int state = (1 << Interop.MdP.MD_DISK_ACTIVE) | (1 << Interop.MdP.MD_DISK_SYNC) |
                            (request.FailFast ? 1 << Interop.MdP.MD_DISK_FAILFAST : 0);
                        // With raid_disks still 0 the kernel reads number, role and flags from the superblock we just wrote and
                        // uses only major/minor here; the other fields are filled as mdadm's add_disk_to_super does.
                        opened.AddNewDisk(new Interop.MdU.mdu_disk_info_t
                        {
                            number = i, raid_disk = i, state = state, major = (int)devices[i].Major, minor = (int)devices[i].Minor,
                        }, devices[i].Path);
                    }
                }
                catch (Exception e) when (configure.Failed(e))
                {
                    throw;
                }
            }
            MdSpans.Run(paths, opened, request.ReadOnly, Operation, cancellationToken);

            var array = MdSpans.Publish(paths, journal, md, uuid, request.Name, devices.Select(d => d.Path).ToList(), Operation, cancellationToken);
            journal.Discard();
            return array;
        }
        catch (Exception e)
        {
            foreach (var claim in claims)
                claim.Dispose();
            throw journal.RollbackAfter(e);
        }
        finally
        {
            control?.Dispose();
        }
    }

    /// <summary>Every check that needs no kernel change: members, sizes, name, metadata already present, layout.</summary>
    private (List<MemberClaim> Claims, Raid1CreatePlan Plan, MdUuid Uuid, List<IReadOnlyList<MemberPartition>> Partitions) Validate(
        MdCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Name.Value is null)
            throw new InvalidInputException("the array name is missing", Operation, "name");
        if (request.Members is null || request.Members.Count < 2)
            throw new InvalidInputException("a RAID1 array needs at least two members", Operation, "members");
        var links = new MdLinks(paths);
        if (links.Target(request.Name) is { } holder && !links.IsAvailable(request.Name, holder))
            throw new InvalidInputException($"/dev/md/{request.Name} already names the running array {holder}", Operation, "name", paths.Node(holder));
        var uuid = request.Uuid ?? MdUuid.NewRandom();
        if (new MdLocator(paths).ByUuid(uuid).FirstOrDefault() is { Value: not null } running)
            throw new InvalidInputException($"array {uuid} is already running as {running}", Operation, "uuid", paths.Node(running));

        // Every path must be a block device, each a different one, before any of them is claimed (a second O_EXCL
        // open of the same device would only say "in use").
        var numbers = new Dictionary<(uint, uint), string>();
        var ordered = new List<(uint Major, uint Minor)>();
        foreach (var member in request.Members)
        {
            var number = MemberClaim.RequireBlockDevice(member, Operation);
            ordered.Add(number);
            if (!numbers.TryAdd(number, member))
                throw new InvalidInputException($"the same device as {numbers[number]} ({number.Major}:{number.Minor})", Operation, "members", member);
        }
        // Holders and partitions before the claims, so that the error names what uses the device rather than a bare EBUSY.
        var partitions = request.Members.Zip(ordered)
            .Select(m => MemberPartitions.Check(paths, m.First, m.Second.Major, m.Second.Minor, request.DeletePartitions, Operation,
                nameof(MdCreateRequest.DeletePartitions)))
            .ToList();
        var claims = new List<MemberClaim>();
        try
        {
            foreach (var member in request.Members)
            {
                var claim = MemberClaim.Claim(paths, member, Operation);
                claims.Add(claim);
                if (!request.OverwriteExistingMetadata &&
                    MdSuperblockProbe.Find(claim.Fd, member, claim.Device.SizeBytes) is { Count: > 0 } found)
                    throw new InvalidInputException(
                        $"it carries md metadata ({string.Join(", ", found.Select(f => $"{f.Format} at byte {f.ByteOffset}"))}); " +
                        "assemble it, or set OverwriteExistingMetadata", Operation, "members", member);
            }
            if (request.SizePolicy.Check(claims.Select(c => (c.Device.Path, c.Device.SizeBytes)).ToList()) is { } sizeProblem)
                throw new InvalidInputException(sizeProblem, Operation, "members");
            var plan = Raid1CreateMetadata.Build(request.Name, uuid,
                claims.Select(c => new Raid1NewMember((ulong)c.Device.SizeBytes / 512, MdUuid.NewRandom())).ToList(),
                DateTimeOffset.UtcNow, request.FailFast, assumeClean: true);
            return (claims, plan, uuid, partitions);
        }
        catch
        {
            foreach (var claim in claims)
                claim.Dispose();
            throw;
        }
    }

    /// <summary>Undo of the allocation: STOP_ARRAY on our exclusive descriptor frees the md device (and stops it if it ran).</summary>
    private static void StopOwned(MdControl control)
    {
        int errno = control.TryStopArray();
        if (errno != 0)
            throw new MdException("STOP_ARRAY during rollback failed", "ioctl STOP_ARRAY", control.Node, errno: errno);
    }
}
