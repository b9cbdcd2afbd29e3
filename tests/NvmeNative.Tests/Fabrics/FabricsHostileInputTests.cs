using System.Diagnostics;
using System.Text;
using NvmeNative.Errors;
using static NvmeNative.Tests.Errors.LibraryExceptions;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Fabrics;

#pragma warning disable CA1416 // Unix file modes: Linux-only library

/// <summary>
/// The public entry points of the Fabrics layer, fed bad and hostile input (values, and files in a fake tree that are
/// not what they should be): what comes out is an <see cref="InvalidInputException"/> for bad input, else another
/// <see cref="NvmeNativeException"/>, a cancellation or an argument exception for a programming error — never a bare
/// IOException, UnauthorizedAccessException, FormatException, OverflowException or NullReferenceException.
/// </summary>
public sealed class FabricsHostileInputTests : IDisposable
{
    private const string NqnFile = "etc/nvme/hostnqn";
    private const string IdFile = "etc/nvme/hostid";
    private const string DmiFile = "sys/class/dmi/id/product_uuid";
    private const string ControlDevice = "dev/nvme-fabrics";

    private readonly FakeKernelTree _tree = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public FabricsHostileInputTests() => _tree.File("proc/sys/kernel/osrelease", "6.1.0-37-amd64\n");

    public void Dispose() => _tree.Dispose();

    /// <summary>Makes <paramref name="relative"/> (under the tree) something it should not be.</summary>
    private string Plant(string relative, string kind)
    {
        string path = Path.Combine(_tree.Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (kind)
        {
            case "directory": Directory.CreateDirectory(path); break;
            case "dangling symlink": File.CreateSymbolicLink(path, path + ".nowhere"); break;
            case "symlink loop": File.CreateSymbolicLink(path, path); break;
            case "parent is a file":
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
                File.WriteAllText(Path.GetDirectoryName(path)!, "");
                break;
            case "unreadable":
                File.WriteAllText(path, "x");
                File.SetUnixFileMode(path, UnixFileMode.None);
                break;
            case "binary garbage": File.WriteAllBytes(path, [0, 0xff, 0xfe, 0x80, 0x0a, 0x00, 0xc3]); break;
            case "huge": File.WriteAllText(path, new string('n', 8 << 20)); break;
            case "control characters": File.WriteAllText(path, "nqn.2014-08.org.nvmexpress:uuid:\u001b[31m\r\n"); break;
            case "injection": File.WriteAllText(path, "nqn.2014-08.org.nvmexpress:uuid:x,hostid=y,transport=tcp\n"); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return path;
    }

    public static TheoryData<string> HostileFiles() =>
    [
        "directory", "dangling symlink", "symlink loop", "parent is a file", "unreadable", "binary garbage", "huge",
        "control characters", "injection",
    ];

    public static TheoryData<string, string> HostileIdentityFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in new[] { NqnFile, IdFile })
            foreach (string kind in HostileFiles())
                data.Add(file, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(HostileIdentityFiles))]
    public void A_hostile_identity_file_is_used_or_reported_in_the_family(string file, string kind)
    {
        Plant(file, kind);
        WorksOrRejected(() => HostIdentityStore.LoadOrCreate(_tree.Paths));
        WorksOrRejected(() => HostIdentityStore.TryLoad(_tree.Paths));
    }

    [Theory]
    [InlineData("binary garbage")]
    [InlineData("huge")]
    [InlineData("control characters")]
    [InlineData("injection")]
    public void Malformed_identity_files_are_bad_input(string kind)
    {
        Plant(NqnFile, kind);
        _tree.File(IdFile, "9126E942-396D-11E7-B0B7-A81E84C186D1\n");
        Assert.Equal("hostnqn", RejectedAsInput(() => HostIdentityStore.TryLoad(_tree.Paths)).KeyPath);
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void A_hostile_dmi_uuid_is_no_system_uuid_or_reported_in_the_family(string kind)
    {
        Plant(DmiFile, kind);
        var e = Record.Exception(() => HostIdentityStore.ReadSystemUuid(_tree.Paths));
        Assert.True(e is null or NvmeNativeException, $"{e?.GetType().FullName} left the library: {e}");
    }

    [Fact]
    public async Task A_hostnqn_fifo_does_not_block_forever()
    {
        string fifo = Path.Combine(_tree.Root, NqnFile);
        Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
        using (var mkfifo = Process.Start("mkfifo", fifo))
            await mkfifo.WaitForExitAsync(_ct);
        var load = Task.Run(() => Record.Exception(() => HostIdentityStore.TryLoad(_tree.Paths)), _ct);
        bool returned = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(5), _ct)) == load;
        if (!returned)
            await File.WriteAllTextAsync(fifo, "", _ct); // a writer that closes at once releases the blocked reader
        Assert.True(returned, "reading a FIFO in place of /etc/nvme/hostnqn blocks until something writes to it");
        var e = await load;
        Assert.True(e is null or NvmeNativeException, $"{e?.GetType().FullName} left the library");
    }

    public static TheoryData<string> HostileDevices() =>
        ["missing", "directory", "regular file", "dangling symlink", "symlink loop", "character device of another kind"];

    private FabricsConnector ConnectorOver(string kind)
    {
        string device = Path.Combine(_tree.Root, ControlDevice);
        Directory.CreateDirectory(Path.GetDirectoryName(device)!);
        switch (kind)
        {
            case "missing": break;
            case "directory": Directory.CreateDirectory(device); break;
            case "regular file": File.WriteAllText(device, "instance=,cntlid=\n"); break;
            case "dangling symlink": File.CreateSymbolicLink(device, device + ".nowhere"); break;
            case "symlink loop": File.CreateSymbolicLink(device, device); break;
            case "character device of another kind": File.CreateSymbolicLink(device, "/dev/zero"); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return new FabricsConnector(_tree.Paths);
    }

    [Theory]
    [MemberData(nameof(HostileDevices))]
    public void A_control_device_that_is_not_nvme_fabrics_is_reported_in_the_family(string kind)
    {
        var connector = ConnectorOver(kind);
        WorksOrRejected(() => _ = connector.SupportedOptions);
        WorksOrRejected(() => connector.Connect(FabricsOptionsTests.Tcp(), _ct));
        WorksOrRejected(() => connector.ConnectAsync(FabricsOptionsTests.Tcp(), _ct).GetAwaiter().GetResult());
    }

    [Fact]
    public void Deleting_a_controller_that_is_not_there_is_not_an_error_and_bad_numbers_are_argument_errors()
    {
        var connector = new FabricsConnector(_tree.Paths);
        Assert.False(connector.DeleteController(int.MaxValue));
        Assert.False(connector.DeleteController(new ControllerInstance(7, 1, FabricsOptionsTests.Subsystem)));
        Assert.False(connector.DeleteController(new ControllerInstance(-3, -1, FabricsOptionsTests.Subsystem)));
        Assert.Throws<ArgumentOutOfRangeException>(() => connector.DeleteController(-1));
        Assert.Throws<ArgumentNullException>(() => connector.DeleteController(null!));
        Assert.Throws<ArgumentNullException>(() => connector.Connect(null!, _ct));
    }

    [Fact]
    public void A_hostile_delete_controller_attribute_is_reported_in_the_family()
    {
        _tree.File("sys/class/nvme/nvme7/subsysnqn", FabricsOptionsTests.Subsystem.Value + "\n");
        Directory.CreateDirectory(Path.Combine(_tree.Root, "sys/class/nvme/nvme7/delete_controller"));
        var connector = new FabricsConnector(_tree.Paths);
        Rejected(() => connector.DeleteController(7));
        Rejected(() => connector.DeleteController(new ControllerInstance(7, 1, FabricsOptionsTests.Subsystem)));
    }

    public static TheoryData<string> HostileTexts() =>
    [
        "", " ", "a,b", "a=b", "a\nb", "a\0b", "\u001b[31m", "ü", "127.0.0.1,hostnqn=evil", "::1%eth0,x", new string('1', 1 << 16),
        "fe80::1%", "\ud800",
    ];

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void Hostile_option_values_are_bad_input(string text)
    {
        RejectedAsInput(() => (FabricsOptionsTests.Tcp() with { TransportAddress = text }).Validate());
        RejectedAsInput(() => (FabricsOptionsTests.Tcp() with { HostTransportAddress = text }).Validate());
        RejectedAsInput(() => _ = FabricsOptionsTests.Tcp() with { HostInterface = text });
    }

    [Theory]
    [InlineData("1.2.3.4.5")]
    [InlineData("999.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("storage.example")]
    public void Addresses_that_are_not_numeric_ips_are_bad_input(string text)
    {
        RejectedAsInput(() => (FabricsOptionsTests.Tcp() with { TransportAddress = text }).Validate());
        RejectedAsInput(() => (FabricsOptionsTests.Tcp() with { HostTransportAddress = text }).Validate());
    }

    [Fact]
    public void Out_of_range_option_numbers_are_bad_input()
    {
        var tcp = FabricsOptionsTests.Tcp();
        RejectedAsInput(() => _ = tcp with { Port = 0 });
        foreach (int bad in new[] { int.MinValue, -1, 0, 15, 1025, int.MaxValue })
            RejectedAsInput(() => _ = tcp with { QueueSize = bad });
        foreach (int bad in new[] { int.MinValue, -1, 0 })
        {
            RejectedAsInput(() => _ = tcp with { IoQueues = bad });
            RejectedAsInput(() => _ = tcp with { WriteQueues = bad });
            RejectedAsInput(() => _ = tcp with { PollQueues = bad });
            RejectedAsInput(() => _ = tcp with { Keyring = bad });
            RejectedAsInput(() => _ = tcp with { TlsKey = bad });
        }
        RejectedAsInput(() => _ = tcp with { TypeOfService = 256 });
        RejectedAsInput(() => _ = tcp with { TypeOfService = -1 });
        foreach (var bad in new[] { TimeSpan.MinValue, TimeSpan.FromSeconds(-1), TimeSpan.MaxValue, TimeSpan.FromDays(1000 * 365) })
        {
            RejectedAsInput(() => _ = tcp with { KeepAliveTimeout = bad });
            RejectedAsInput(() => _ = tcp with { ReconnectDelay = bad });
            RejectedAsInput(() => _ = tcp with { ControllerLossTimeout = bad });
            RejectedAsInput(() => _ = tcp with { FastIoFailTimeout = bad });
        }
        RejectedAsInput(() => _ = tcp with { ReconnectDelay = TimeSpan.Zero });
    }

    [Fact]
    public void Contradicting_options_are_bad_input()
    {
        var tcp = FabricsOptionsTests.Tcp();
        RejectedAsInput(() => (tcp with { Port = null }).Validate());
        RejectedAsInput(() => (tcp with { TransportAddress = null }).Validate());
        RejectedAsInput(() => (tcp with { TransportAddress = "storage.example" }).Validate());
        RejectedAsInput(() => (tcp with { DhchapControllerSecret = Secret() }).Validate());
        RejectedAsInput(() => (tcp with { Concat = true, Tls = true, DhchapSecret = Secret() }).Validate());
        RejectedAsInput(() => (tcp with { TlsKey = 5 }).Validate());
        RejectedAsInput(() => (tcp with { Transport = Transport.Loop }).Validate());
        Rejected(() => (tcp with { Transport = (Transport)999 }).Validate()); // an undefined enum value: a programming error
        RejectedAsInput(() => new FabricsConnector(_tree.Paths).Connect(tcp with { Port = null }, _ct));
        RejectedAsInput(() => FabricsOptions.ForPortal(FabricsOptionsTests.Subsystem, new Portal("storage.example", 4420, Transport.Tcp),
            FabricsOptionsTests.Host));
        Assert.Throws<ArgumentNullException>(() => FabricsOptions.ForPortal(FabricsOptionsTests.Subsystem, null!, FabricsOptionsTests.Host));
        Assert.Throws<ArgumentNullException>(() => _ = tcp with { SubsystemNqn = null! });
        Assert.Throws<ArgumentNullException>(() => _ = tcp with { Host = null! });
    }

    private static DhchapSecret Secret() => DhchapSecret.Parse(DhchapSecretTests.None32);

    public static TheoryData<string> HostileSecrets() =>
    [
        "", " ", "DHHC-1", "DHHC-1:", "DHHC-1:00:", "DHHC-1:00::", "DHHC-1:04:AAAA:", "DHHC-1:-1:AAAA:", "DHHC-1:99999999999:AAAA:",
        "DHHC-1:00:!!!!:", "DHHC-1:00:" + new string('A', 1 << 20) + ":", "DHHC-2:00:AAAA:", "dhhc-1:00:AAAA:", "DHHC-1:00:AAAA:,x=y",
        "DHHC-1:00:AAAA:\n", "DHHC-1:01:" + Convert.ToBase64String(new byte[36]) + ":", "DHHC-1:01:" + Convert.ToBase64String(new byte[3]) + ":",
        "DHHC-1:00:" + Convert.ToBase64String(Encoding.ASCII.GetBytes(new string('k', 36))) + "",
    ];

    [Theory]
    [MemberData(nameof(HostileSecrets))]
    public void Hostile_dhchap_secrets_are_bad_input_and_never_echoed(string text)
    {
        var e = RejectedAsInput(() => DhchapSecret.Parse(text));
        Assert.False(DhchapSecret.TryParse(text, out _));
        if (text.Length > 12)
            Assert.DoesNotContain(text[10..], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_secret_is_an_argument_error()
    {
        Rejected(() => DhchapSecret.Parse(null!));
        Assert.False(DhchapSecret.TryParse(null, out _));
    }
}
