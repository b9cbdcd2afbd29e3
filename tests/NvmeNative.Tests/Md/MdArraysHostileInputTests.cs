using System.Diagnostics;
using System.Net.Sockets;
using NvmeNative.Errors;
using static NvmeNative.Tests.Errors.LibraryExceptions;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md;

/// <summary>
/// Every public entry point of the Md layer, fed bad and hostile input over a fake tree: what comes out is an
/// <see cref="InvalidInputException"/> for bad input, else another <see cref="NvmeNativeException"/>, a cancellation
/// or an argument exception for a programming error (a null) — never a bare IOException, UnauthorizedAccessException,
/// FormatException, OverflowException or NullReferenceException.
/// </summary>
public sealed class MdArraysHostileInputTests : IDisposable
{
    private static readonly MdDeviceName Md127 = MdDeviceName.Parse("md127");
    private static readonly MdDeviceName Missing = MdDeviceName.Parse("md5");

    private readonly FakeKernelTree _tree = new();
    private readonly string _files;
    private readonly MdArrays _arrays;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public MdArraysHostileInputTests()
    {
        _tree.Md("md127", ("array_state", "clean"), ("level", "raid1"), ("raid_disks", "2"), ("degraded", "0"),
            ("sync_action", "idle"), ("uuid", MdUuid.NewRandom().ToKernelString()));
        _tree.Member("md127", "loop0", "7:0", "in_sync", "0");
        _tree.Member("md127", "loop1", "7:1", "in_sync", "1");
        _files = Directory.CreateDirectory(Path.Combine(_tree.Root, "files")).FullName;
        _arrays = new MdArrays(_tree.Paths);
    }

    public void Dispose() => _tree.Dispose();

    /// <summary>Member paths that are not usable block devices, by what they are.</summary>
    public static TheoryData<string> HostileMembers() =>
    [
        "missing", "directory", "regular file", "fifo", "socket", "character device", "dangling symlink", "symlink loop",
        "control characters", "dot-dot", "slash only", "empty", "whitespace", "overlong path", "overlong component", "kernel name",
    ];

    private string Member(string kind)
    {
        string Make(string name) => Path.Combine(_files, name);
        switch (kind)
        {
            case "missing": return Make("nowhere");
            case "directory": return Directory.CreateDirectory(Make("dir")).FullName;
            case "regular file":
                File.WriteAllBytes(Make("file"), new byte[64 << 10]);
                return Make("file");
            case "fifo":
                using (var mkfifo = Process.Start("mkfifo", Make("fifo")))
                    mkfifo.WaitForExit();
                return Make("fifo");
            case "socket":
                using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                    socket.Bind(new UnixDomainSocketEndPoint(Make("socket")));
                return Make("socket");
            case "character device": return "/dev/null";
            case "dangling symlink":
                File.CreateSymbolicLink(Make("dangling"), Make("nowhere"));
                return Make("dangling");
            case "symlink loop":
                File.CreateSymbolicLink(Make("loop"), Make("loop"));
                return Make("loop");
            case "control characters": return Make("a\nb\tc\u001b[31m");
            case "dot-dot": return Path.Combine(_files, "..", "..", "..", "..", "..", "..", "etc", "passwd");
            case "slash only": return "/";
            case "empty": return "";
            case "whitespace": return "   ";
            case "overlong path": return "/" + string.Join('/', Enumerable.Repeat(new string('x', 200), 40));
            case "overlong component": return Make(new string('y', 300));
            case "kernel name": return "nvme9n1";
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    [Theory]
    [MemberData(nameof(HostileMembers))]
    public void Create_refuses_a_member_that_is_not_a_block_device(string kind)
    {
        string member = Member(kind);
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(MdArrayName.Parse("vol1"), [member, "/dev/null"]), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(MdArrayName.Parse("vol1"), [member, member]), _ct));
    }

    [Theory]
    [MemberData(nameof(HostileMembers))]
    public void Assemble_refuses_a_member_that_is_not_a_block_device(string kind)
    {
        string member = Member(kind);
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest([member]), _ct));
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest([member, "/dev/null"]) { AllowDegraded = true }, _ct));
    }

    [Theory]
    [MemberData(nameof(HostileMembers))]
    public void Member_control_refuses_a_member_that_is_not_a_block_device(string kind)
    {
        string member = Member(kind);
        RejectedAsInput(() => _arrays.AddMember(Md127, member));
        RejectedAsInput(() => _arrays.AddMember(Md127, member, failFast: false, overwriteExistingMetadata: true));
        RejectedAsInput(() => _arrays.ReAddMember(Md127, member));
        RejectedAsInput(() => _arrays.FailMember(Md127, member));
        RejectedAsInput(() => _arrays.RemoveMember(Md127, member, TimeSpan.FromMilliseconds(10), _ct));
    }

    [Theory]
    [MemberData(nameof(HostileMembers))]
    public void Member_control_on_a_missing_array_is_bad_input(string kind)
    {
        string member = Member(kind);
        RejectedAsInput(() => _arrays.AddMember(Missing, member));
        RejectedAsInput(() => _arrays.ReAddMember(Missing, member));
        RejectedAsInput(() => _arrays.FailMember(Missing, member));
        RejectedAsInput(() => _arrays.RemoveMember(Missing, member, cancellationToken: _ct));
    }

    [Fact]
    public void Array_operations_on_a_missing_array_report_it_in_the_family()
    {
        Assert.False(_arrays.Stop(Missing, MdUuid.NewRandom(), _ct));
        Assert.False(_arrays.Stop(Missing, cancellationToken: _ct));
        Assert.Null(_arrays.GetState(Missing));
        Assert.Null(_arrays.GetInfo(Missing));
        RejectedAsInput(() => _arrays.Grow(Missing));
        Rejected(() => _arrays.WaitForInSync(Missing, TimeSpan.FromMilliseconds(10), _ct));
        Rejected(() => _arrays.WaitFor(Missing, _ => false, "never", TimeSpan.Zero, _ct));
    }

    [Fact]
    public void Bad_requests_are_bad_input()
    {
        var name = MdArrayName.Parse("vol1");
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(default, ["/dev/null", "/dev/zero"]), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(name, null!), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(name, []), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(name, ["/dev/null"]), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(name, [null!, null!]), _ct));
        RejectedAsInput(() => _arrays.Create(new MdCreateRequest(name, ["a\0b", "/dev/null"]), _ct));
        RejectedAsInput(() => _arrays.Create(
            new MdCreateRequest(name, ["/dev/null", "/dev/zero"]) { SizePolicy = new MdSizePolicy(double.NaN, long.MinValue) }, _ct));
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest(null!), _ct));
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest([]), _ct));
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest([null!]), _ct));
        RejectedAsInput(() => _arrays.Assemble(new MdAssembleRequest(["a\0b"]) { Uuid = MdUuid.NewRandom(), Name = name }, _ct));
        RejectedAsInput(() => _arrays.FailMember(Md127, "a\0b"));
        RejectedAsInput(() => _arrays.AddMember(Md127, "a\0b"));
    }

    [Fact]
    public void Programming_errors_are_argument_exceptions()
    {
        Assert.Throws<ArgumentNullException>(() => new MdArrays(null!));
        Assert.Throws<ArgumentNullException>(() => _arrays.Create(null!, _ct));
        Assert.Throws<ArgumentNullException>(() => _arrays.Assemble(null!, _ct));
        Assert.Throws<ArgumentNullException>(() => _arrays.Stop((MdArray)null!, _ct));
        Assert.Throws<ArgumentNullException>(() => _arrays.WaitFor(Md127, null!, "x", TimeSpan.Zero, _ct));
        Assert.Throws<ArgumentNullException>(() => _arrays.FailMember(Md127, null!));
        Assert.Throws<ArgumentNullException>(() => _arrays.RemoveMember(Md127, null!, cancellationToken: _ct));
        Assert.Throws<ArgumentNullException>(() => _arrays.AddMember(Md127, null!));
        Assert.Throws<ArgumentNullException>(() => _arrays.ReAddMember(Md127, null!));
        foreach (var call in new Action[]
        {
            () => _arrays.Stop(default(MdDeviceName), cancellationToken: _ct), () => _arrays.Grow(default),
            () => _arrays.GetState(default), () => _arrays.GetInfo(default), () => _arrays.FailMember(default, "/dev/null"),
            () => _arrays.WaitForInSync(default, TimeSpan.Zero, _ct), () => _arrays.AddMember(default, "/dev/null"),
        })
            Assert.IsType<ArgumentException>(Rejected(call), exactMatch: false);
    }

    [Fact]
    public void A_cancelled_wait_is_a_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.IsType<OperationCanceledException>(
            Rejected(() => _arrays.WaitFor(Md127, _ => false, "never", TimeSpan.FromSeconds(30), cancelled.Token)), exactMatch: false);
    }

    public static TheoryData<string> HostileArrayNames() =>
    [
        "", " ", ".", "..", "a/b", "/", "../etc", "a\0b", "a\nb", "a\tb", "\u001b[31m", "nämé", "a b", "a:b", "any:vol",
        new string('x', MdArrayName.MaxBytes + 1), new string('x', 1 << 20), "\ud800",
    ];

    [Theory]
    [MemberData(nameof(HostileArrayNames))]
    public void Hostile_array_names_are_bad_input(string text)
    {
        var e = RejectedAsInput(() => MdArrayName.Parse(text));
        Assert.Equal("name", e.KeyPath);
        Assert.False(MdArrayName.TryParse(text, out _));
    }

    public static TheoryData<string> HostileDeviceNames() =>
    [
        "", "md", "md-1", "md0123", "md512", "md99999999999999999999", "md_", "md_a/b", "md_a b", "md\n1", "mdx", "/dev/../md1",
        "/dev/md/vol1", "../md1", "md1\0", "nvme0n1", "dm-0", new string('m', 1 << 16),
    ];

    [Theory]
    [MemberData(nameof(HostileDeviceNames))]
    public void Hostile_md_device_names_are_bad_input(string text)
    {
        RejectedAsInput(() => MdDeviceName.Parse(text));
        Assert.False(MdDeviceName.TryParse(text, out _));
    }

    public static TheoryData<string> HostileUuids() =>
    [
        "", " ", "zz", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0", "0123456789abcdefg123456789abcdef",
        "01234567:89abcdef:01234567:89abcde\0", "０１２３４５６７８９ａｂｃｄｅｆ０１２３４５６７８９ａｂｃｄｅｆ", new string('0', 1 << 20),
        "-1", "0x0123456789abcdef0123456789abcdef",
    ];

    [Theory]
    [MemberData(nameof(HostileUuids))]
    public void Hostile_uuids_are_bad_input(string text)
    {
        RejectedAsInput(() => MdUuid.Parse(text));
        Assert.False(MdUuid.TryParse(text, out _));
    }

    [Fact]
    public void Value_types_refuse_nulls_and_out_of_range_values_as_argument_errors()
    {
        Assert.Throws<ArgumentNullException>(() => MdUuid.Parse(null!));
        Assert.False(MdUuid.TryParse(null, out _));
        Assert.Throws<ArgumentException>(() => new MdUuid(new byte[15]));
        RejectedAsInput(() => MdArrayName.Parse(null!));
        Assert.False(MdArrayName.TryParse(null, out _));
        RejectedAsInput(() => MdDeviceName.Parse(null!));
        Assert.False(MdDeviceName.TryParse(null, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => MdDeviceName.FromMinor(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MdDeviceName.FromMinor(512));
        Assert.Null(default(MdDeviceName).Minor);
        Assert.Equal("", default(MdDeviceName).ToString());
        Assert.Equal("", default(MdArrayName).ToString());
    }
}
