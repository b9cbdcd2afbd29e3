using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>
/// The main create/assemble round trip over what the library is for: two NVMe/TCP namespaces (nvmet loopback
/// targets on file-backed namespaces) as the RAID1 legs. Leg control, stale members, adds, grow and the bitmap's partial
/// resync run over NVMe/TCP too, as the <see cref="MemberKind.NvmeTcp"/> cases of MdAssembleTests and MdBitmapResyncTests.
/// </summary>
[Collection(MdLab.Collection)]
public sealed class MdOverNvmeTcpTests
{
    [Fact]
    public void Create_over_two_nvme_tcp_namespaces_then_mdadm_and_we_take_turns_assembling_it()
    {
        using var source = new MemberSource(MemberKind.NvmeTcp);
        string a = source.Create(64 << 20).Device;
        string b = source.Create(64 << 20).Device;

        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var name = MdLab.UniqueName("nvme");
        var array = arrays.Create(new MdCreateRequest(name, [a, b]), ct);
        MdDeviceName? mdadmDevice = null;
        MdArray? ours = null;
        try
        {
            foreach (var member in new[] { a, b })
            {
                string examine = Examine.Of(member);
                Assert.Equal("1.2", Examine.Field(examine, "Version"));
                Assert.Contains("failfast", Examine.Field(examine, "Flags"));
                Assert.EndsWith("- correct", Examine.Field(examine, "Checksum"));
            }
            Assert.Equal("clean", Examine.Field(Tools.Check("mdadm", "--detail", array.Node), "State"));
            byte[] data = MdLab.Pattern(42, 4 << 20);
            MdLab.WriteDevice(array.Node, 2 << 20, data);
            Assert.True(arrays.Stop(array, ct));

            Tools.Check("mdadm", "--assemble", "/dev/md/" + name.Value, a, b);
            mdadmDevice = MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget("/dev/md/" + name.Value, true)!.FullName));
            Assert.Equal(data, MdLab.ReadDevice("/dev/md/" + name.Value, 2 << 20, data.Length));
            byte[] more = MdLab.Pattern(43, 1 << 20);
            MdLab.WriteDevice("/dev/md/" + name.Value, 10 << 20, more);
            Tools.Check("mdadm", "--stop", "/dev/md/" + name.Value);
            mdadmDevice = null;
            if (new FileInfo("/dev/md/" + name.Value).LinkTarget is not null)
                File.Delete("/dev/md/" + name.Value); // no udev in the lab: mdadm may leave its link behind

            var result = arrays.Assemble(new MdAssembleRequest([a, b]), ct);
            ours = result.Array;
            Assert.False(result.Degraded);
            Assert.Empty(result.LeftOut);
            Assert.Equal(array.Uuid, ours.Uuid);
            Assert.Equal(data, MdLab.ReadDevice(ours.Node, 2 << 20, data.Length));
            Assert.Equal(more, MdLab.ReadDevice(ours.Node, 10 << 20, more.Length));
            Assert.True(arrays.Stop(ours, ct));
        }
        finally
        {
            MdLab.StopQuietly(mdadmDevice);
            MdLab.StopQuietly(ours?.Device);
            MdLab.StopQuietly(array.Device);
        }
    }
}
