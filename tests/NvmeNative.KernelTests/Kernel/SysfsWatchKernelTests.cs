using System.Diagnostics;
using NvmeNative.Kernel;

namespace NvmeNative.KernelTests.Kernel;

/// <summary>
/// poll(POLLPRI) on an attribute the kernel sysfs_notify()s: md's array_state, changed by mdadm (the oracle
/// acts; the library only watches).
/// </summary>
public sealed class SysfsAttributeWatchKernelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_notified_attribute_change_wakes_the_watch_even_if_it_happened_before_the_poll()
    {
        Requires.MdRaid1();
        Requires.Loop();
        Requires.Tool("mdadm");
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        string md = "/dev/md/nvmenative-watch";
        Tools.Check("mdadm", "--create", md, "--run", "--level=1", "--raid-devices=2", "--metadata=1.2",
            "--assume-clean", "--bitmap=none", a.Device, b.Device);
        try
        {
            string name = Path.GetFileName(new FileInfo(md).ResolveLinkTarget(returnFinalTarget: true)!.FullName);
            string path = $"/sys/block/{name}/md/array_state";
            using var watch = SysfsAttributeWatch.Open(path);
            output.WriteLine($"{path} = {watch.Value}");
            Assert.NotEqual("readonly", watch.Value);

            // Nothing changes: the watch times out rather than reporting a change.
            Assert.False(watch.WaitForChange(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));

            // The change happens between our read and our poll: the notification is not lost.
            Tools.Check("mdadm", "--readonly", md);
            var sw = Stopwatch.StartNew();
            Assert.True(watch.WaitForChange(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            output.WriteLine($"woke after {sw.ElapsedMilliseconds} ms: {watch.Value}");
            Assert.Equal("readonly", watch.Value);

            // The generic wait: from another thread, while this one is blocked in poll().
            var writer = Task.Run(() => Tools.Check("mdadm", "--readwrite", md), TestContext.Current.CancellationToken);
            string value = KernelWait.UntilAttribute(path, v => v != "readonly", "array writable", TimeSpan.FromSeconds(30),
                TestContext.Current.CancellationToken);
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
