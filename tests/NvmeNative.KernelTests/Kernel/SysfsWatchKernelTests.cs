using System.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.KernelTests.Kernel;

/// <summary>
/// poll(POLLPRI) on an attribute the kernel sysfs_notify()s: md's array_state, changed by mdadm (the oracle
/// acts; the library only watches).
/// </summary>
public sealed class SysfsWatchKernelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_notified_attribute_change_wakes_the_watch_even_if_it_happened_before_the_poll()
    {
        Requires.MdRaid1();
        Requires.Loop();
        Requires.Tool("mdadm");
        var ct = TestContext.Current.CancellationToken;
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        string md = "/dev/md/nvmenative-watch";
        Tools.Check("mdadm", "--create", md, "--run", "--level=1", "--raid-devices=2", "--metadata=1.2",
            "--assume-clean", "--bitmap=none", a.Device, b.Device);
        try
        {
            string name = Path.GetFileName(new FileInfo(md).ResolveLinkTarget(returnFinalTarget: true)!.FullName);
            string path = $"/sys/block/{name}/md/array_state";
            using var watch = new SysfsWatch([path]);
            string value = watch.Arm()[0];
            output.WriteLine($"{path} = {value}");
            Assert.NotEqual("readonly", value);

            // Nothing changes: the watch times out rather than reporting a change.
            Assert.False(watch.Wait(Environment.TickCount64 + 300, ct));

            // The change happens between our read and our poll: the notification is not lost.
            Tools.Check("mdadm", "--readonly", md);
            var sw = Stopwatch.StartNew();
            Assert.True(watch.Wait(Environment.TickCount64 + 30_000, ct));
            value = watch.Arm()[0];
            output.WriteLine($"woke after {sw.ElapsedMilliseconds} ms: {value}");
            Assert.Equal("readonly", value);

            // From another thread, while this one is blocked in poll().
            var writer = Task.Run(() => Tools.Check("mdadm", "--readwrite", md), ct);
            long deadline = Environment.TickCount64 + 30_000;
            while ((value = watch.Arm()[0]) == "readonly")
                Assert.True(watch.Wait(deadline, ct), "array_state stayed readonly");
            await writer;
            output.WriteLine($"after --readwrite: {value}");
            Assert.NotEqual("readonly", value);
        }
        finally
        {
            Tools.Run("mdadm", "--stop", md);
        }
    }
}
