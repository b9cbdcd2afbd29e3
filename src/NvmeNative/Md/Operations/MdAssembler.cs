using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>
/// Assembles an existing RAID1 array from its members like <c>mdadm --assemble [--run]</c> (Assemble.c), or adopts it
/// when the host already runs it (udev's incremental assembly, possibly under another md name). Decisions come from
/// <see cref="AssemblePlanner"/> and are all made before anything changes; a failure afterwards stops the array and
/// removes the link and map entry it made.
/// </summary>
internal sealed class MdAssembler(MdPaths paths)
{
    private const string Operation = "assemble";

    internal async ValueTask<MdAssembleResult> AssembleAsync(MdAssembleRequest request, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Members is null || request.Members.Count == 0)
            throw new InvalidInputException("no members given", Operation, "members");

        var superblocks = new List<MemberSuperblock>();
        var blank = new List<string>();
        var devices = new Dictionary<string, BlockDevice>();
        var unreadable = new List<MdLeftOutMember>();
        foreach (var member in request.Members.Distinct())
        {
            var (metadata, device) = ReadMember(member, unreadable);
            devices[member] = device;
            if (metadata is not null)
                superblocks.Add(MemberSuperblock.From(member, metadata.Superblock));
            else if (!unreadable.Any(u => u.Member == member))
                blank.Add(member);
        }

        var locator = new MdLocator(paths);
        var uuid = request.Uuid ?? (superblocks.Select(s => s.Uuid).Distinct().Count() == 1 ? superblocks[0].Uuid : null);
        if (uuid is { } wanted && await AdoptAsync(locator, wanted, request, superblocks, devices, async, cancellationToken).ConfigureAwait(false) is { } adopted)
            return adopted;

        var plan = AssemblePlanner.Plan(superblocks, blank, request.Uuid, request.AllowDegraded, unreadable);
        var leftOut = plan.LeftOut;
        // Held by an array we could not identify as this one (e.g. another array): refuse now, before any change.
        foreach (var sb in plan.Included)
        {
            using var probe = MemberClaim.Claim(paths, sb.Member, Operation, writable: false);
        }

        var journal = new UndoJournal();
        MdControl? control = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var md = new MdDeviceAllocator(paths).Allocate();
            var opened = control = MdControl.TryOpen(paths, md, exclusive: true, out int errno)
                ?? throw new MdException("cannot open the newly allocated md device exclusively", Operation, paths.Node(md), errno: errno);
            if (opened.GetArrayInfo() is not null)
                throw new MdException("the newly allocated md device is already configured by someone else", Operation, opened.Node);
            journal.Push($"stop {md}", () => _ = opened.TryStopArray());
            using (var configure = MdSpans.Ioctls("configure", md, cancellationToken))
            {
                try
                {
                    opened.SetArrayInfoVersion12();
                    foreach (var sb in plan.Included) // the freshest last, as mdadm does
                    {
                        var device = devices[sb.Member];
                        opened.AddNewDisk(new Interop.MdU.mdu_disk_info_t
                        {
                            number = sb.DevNumber, raid_disk = sb.OwnRole,
                            state = (1 << Interop.MdP.MD_DISK_ACTIVE) | (1 << Interop.MdP.MD_DISK_SYNC) | (sb.FailFast ? 1 << Interop.MdP.MD_DISK_FAILFAST : 0),
                            major = (int)device.Major, minor = (int)device.Minor,
                        }, sb.Member);
                    }
                }
                catch (Exception e) when (configure.Failed(e))
                {
                    throw;
                }
            }
            MdSpans.Run(paths, opened, request.ReadOnly, Operation, cancellationToken);
            var name = request.Name ?? MdArrayName.FromSetName(plan.SetName);
            var array = MdSpans.Publish(paths, journal, md, plan.Uuid, name, plan.Included.Select(s => s.Member).ToList(), Operation, cancellationToken);
            var state = MdSysfs.TryRead(paths, md);
            journal.Discard();
            return new MdAssembleResult(array, Adopted: false, Degraded: (state?.Degraded ?? 0) > 0 || plan.IsDegraded, leftOut);
        }
        catch (Exception e)
        {
            throw journal.RollbackAfter(e);
        }
        finally
        {
            control?.Dispose();
        }
    }

    private (MemberMetadata?, BlockDevice) ReadMember(string member, List<MdLeftOutMember> unreadable)
    {
        try
        {
            return MemberMetadataReader.Read(paths, member, Operation);
        }
        catch (MdSuperblockException e)
        {
            // md metadata the kernel would refuse or that breaks a bound (bad checksum, sizes past the device): unusable,
            // but not fatal for the others; it is only read, never written.
            unreadable.Add(MdLeftOutMember.InvalidMetadata(member, e));
            var (major, minor) = MemberClaim.RequireBlockDevice(member, Operation);
            using var fd = Fd.Open(member, Interop.Fcntl.O_RDONLY);
            return (null, MemberClaim.Describe(paths, fd, member, major, minor, Operation));
        }
    }

    /// <summary>
    /// The host may already run the array (udev's incremental assembly when the members appeared): adopt it when it
    /// runs; an incremental assembly that is still inactive holds our members without running, so stop it and
    /// assemble ourselves (what os-brick's stop_and_assemble_raid does). A member held by a different array is an error.
    /// </summary>
    private async ValueTask<MdAssembleResult?> AdoptAsync(MdLocator locator, MdUuid uuid, MdAssembleRequest request, List<MemberSuperblock> superblocks,
        Dictionary<string, BlockDevice> devices, bool async, CancellationToken cancellationToken)
    {
        var holders = devices.Values.Select(d => locator.HolderOf(d.KernelName)).OfType<MdDeviceName>().Distinct().ToList();
        foreach (var holder in holders)
        {
            if (locator.UuidOf(holder) is { } other && other != uuid)
                throw new InvalidInputException($"a member is part of another array ({holder}, uuid {other})", Operation, "members", paths.Node(holder));
        }
        foreach (var md in holders.Concat(locator.ByUuid(uuid)).Distinct())
        {
            var state = MdSysfs.TryRead(paths, md);
            if (state is null)
                continue;
            if (!state.IsRunning && holders.Contains(md))
            {
                await new MdStopper(paths).StopAsync(md, expectedUuid: null, async, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var members = devices.Where(d => state.Members.Any(m => m.Major == d.Value.Major && m.Minor == d.Value.Minor))
                .Select(d => d.Key).ToList();
            // Same uuid but none of these members: another copy of the array (a backend clone keeps the md uuid) runs
            // here. Taking it over would hand out the other volume's data; assembling a second array of the same uuid
            // would confuse md's map and mdadm. Refuse.
            if (members.Count == 0)
                throw new MdException(
                    $"{md} already runs array {uuid} without any of the given members: another copy of it (a clone?) is in use on this host",
                    Operation, paths.Node(md));
            var leftOut = devices.Keys.Except(members)
                .Select(m => new MdLeftOutMember(m, MdLeftOutReason.NotActive, $"not a member of the running {md}")).ToList();
            var name = request.Name ?? superblocks.Where(s => s.Uuid == uuid).Select(s => MdArrayName.FromSetName(s.SetName)).FirstOrDefault(n => n is not null);
            var journal = new UndoJournal();
            try
            {
                var array = MdSpans.Publish(paths, journal, md, uuid, name, members, Operation, cancellationToken);
                journal.Discard();
                return new MdAssembleResult(array, Adopted: true, Degraded: state.Degraded > 0, leftOut);
            }
            catch (Exception e)
            {
                throw journal.RollbackAfter(e);
            }
        }
        return null;
    }
}
