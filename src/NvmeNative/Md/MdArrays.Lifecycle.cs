using NvmeNative.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

public sealed partial class MdArrays
{
    /// <summary>
    /// Creates and starts a RAID1 array as <c>mdadm --create --level=1 --metadata=1.2 --bitmap=internal --assume-clean
    /// --failfast --homehost=any --name=NAME</c> does, with its /run/mdadm/map entry and /dev/md/NAME link. Every
    /// member is checked first (block device, not in use, no md metadata unless allowed, sizes within the policy); a
    /// failure later stops the array again and removes the link and map entry.
    /// </summary>
    public MdArray Create(MdCreateRequest request, CancellationToken cancellationToken = default) =>
        new MdCreator(_paths).Create(request, cancellationToken);

    /// <summary>
    /// Assembles an existing array from its members (freshest by event count; stale, faulty and diverged members left
    /// out and reported), or adopts it when the host already runs it.
    /// </summary>
    public MdAssembleResult Assemble(MdAssembleRequest request, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(AssembleAsync(request, async: false, cancellationToken));

    /// <summary>As <see cref="Assemble"/>; with <paramref name="async"/> its waits (stopping an inactive partial assembly) are awaited.</summary>
    internal ValueTask<MdAssembleResult> AssembleAsync(MdAssembleRequest request, bool async, CancellationToken cancellationToken) =>
        new MdAssembler(_paths).AssembleAsync(request, async, cancellationToken);

    /// <summary>
    /// Re-adds a former member (mdadm --re-add): md resyncs only what the write-intent bitmap marks as written since it
    /// left. A member still attached as faulty is detached first. Wait with <see cref="WaitForInSync"/>.
    /// </summary>
    /// <param name="device">The array.</param>
    /// <param name="member">The former member's device path.</param>
    public void ReAddMember(MdDeviceName device, string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        using var span = MemberSpan(device);
        try
        {
            new MdMemberAdder(_paths).ReAdd(device, member);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>Adds a new member (mdadm --add): md rebuilds it completely into the empty slot.</summary>
    /// <param name="device">The array.</param>
    /// <param name="member">The new member's device path.</param>
    /// <param name="failFast">Mark it failfast, like the members a create makes.</param>
    /// <param name="overwriteExistingMetadata">Allow a device that carries md metadata (it is erased).</param>
    public void AddMember(MdDeviceName device, string member, bool failFast = true, bool overwriteExistingMetadata = false)
    {
        ArgumentNullException.ThrowIfNull(member);
        using var span = MemberSpan(device);
        try
        {
            new MdMemberAdder(_paths).Add(device, member, failFast, overwriteExistingMetadata);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }
}
