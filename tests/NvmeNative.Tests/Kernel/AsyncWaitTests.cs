using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>
/// The awaited forms of the kernel waits: each completes on its event (not on a timer), ends on its timeout, and ends
/// at once on cancellation, without a thread blocked meanwhile (the task is still pending when the call returns).
/// </summary>
public sealed class AsyncWaitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-async-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SafeFdHandle EventFd()
    {
        var fd = Interop.Libc.eventfd(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
        Assert.False(fd.IsInvalid);
        return fd;
    }

    private static unsafe void Signal(SafeFdHandle fd)
    {
        ulong one = 1;
        Assert.Equal(sizeof(ulong), (int)Interop.Libc.write(fd, (byte*)&one, sizeof(ulong)));
    }

    [Fact]
    public async Task A_readiness_wait_is_pending_until_its_descriptor_is_ready()
    {
        using var fd = EventFd();
        var wait = FdReadiness.WaitAsync([fd], Interop.Poll.POLLIN, TimeSpan.FromSeconds(30), Ct);
        await Task.Delay(50, Ct);
        Assert.False(wait.IsCompleted);
        Signal(fd);
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_readiness_wait_ends_false_at_its_timeout_and_throws_on_cancellation()
    {
        using var fd = EventFd();
        var clock = Stopwatch.StartNew();
        Assert.False(await FdReadiness.WaitAsync([fd], Interop.Poll.POLLIN, TimeSpan.FromMilliseconds(100), Ct));
        Assert.InRange(clock.ElapsedMilliseconds, 90, 5_000);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var wait = FdReadiness.WaitAsync([fd], Interop.Poll.POLLIN, Timeout.InfiniteTimeSpan, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        // The descriptor left the set: it can be closed and signalled without effect on later waits.
        Signal(fd);
        Assert.True(await FdReadiness.WaitAsync([fd], Interop.Poll.POLLIN, TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task Many_waits_share_the_poller_and_each_completes_on_its_own_descriptor()
    {
        var fds = Enumerable.Range(0, 16).Select(_ => EventFd()).ToList();
        try
        {
            var waits = fds.Select(fd => FdReadiness.WaitAsync([fd], Interop.Poll.POLLIN, TimeSpan.FromSeconds(30), Ct)).ToList();
            Signal(fds[3]);
            Assert.True(await waits[3].WaitAsync(TimeSpan.FromSeconds(10), Ct));
            Assert.All(waits.Where((_, i) => i != 3), w => Assert.False(w.IsCompleted));
            foreach (var fd in fds)
                Signal(fd);
            Assert.All(await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10), Ct), Assert.True);
        }
        finally
        {
            fds.ForEach(fd => fd.Dispose());
        }
    }

    [Fact]
    public async Task An_awaited_lock_is_taken_when_the_holder_closes_the_file_not_at_the_next_retry()
    {
        string path = Path.Combine(_dir, "host.lock");
        var holder = FileLock.Acquire(path, TimeSpan.Zero, Ct);
        var waiter = FileLock.AcquireAsync(path, TimeSpan.FromSeconds(30), async: true, Ct).AsTask();
        await Task.Delay(100, Ct);
        Assert.False(waiter.IsCompleted); // held: pending, and no thread is blocked on it
        var clock = Stopwatch.StartNew();
        holder.Dispose();
        using var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // Woken by inotify's IN_CLOSE: well before the 1 s retry that covers holders that unlock without closing.
        Assert.InRange(clock.ElapsedMilliseconds, 0, 700);
        Assert.Equal(path, taken.Path);
    }

    [Fact]
    public async Task An_awaited_lock_times_out_naming_the_holder_and_ends_at_once_on_cancellation()
    {
        string path = Path.Combine(_dir, "held.lock");
        using var holder = FileLock.Acquire(path, TimeSpan.Zero, Ct);
        var e = await Assert.ThrowsAsync<NvmeNativeTimeoutException>(
            async () => await FileLock.AcquireAsync(path, TimeSpan.FromMilliseconds(200), async: true, Ct));
        Assert.Equal($"the lock on {path}", e.WaitingFor);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiter = FileLock.AcquireAsync(path, Timeout.InfiniteTimeSpan, async: true, cts.Token).AsTask();
        await Task.Delay(50, Ct);
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.InRange(clock.ElapsedMilliseconds, 0, 700);
    }

    [Fact]
    public async Task The_sync_lock_wait_is_woken_by_the_close_too()
    {
        string path = Path.Combine(_dir, "sync.lock");
        var holder = FileLock.Acquire(path, TimeSpan.Zero, Ct);
        var waiter = Task.Run(() => FileLock.Acquire(path, TimeSpan.FromSeconds(30), Ct), Ct);
        await Task.Delay(100, Ct);
        var clock = Stopwatch.StartNew();
        holder.Dispose();
        using var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.InRange(clock.ElapsedMilliseconds, 0, 700);
    }

    [Fact]
    public async Task An_awaited_uevent_receive_times_out_is_cancelled_and_stays_usable()
    {
        using var listener = UeventListener.Open();
        var quiet = await listener.ReceiveAsync(TimeSpan.FromMilliseconds(100), Ct);
        // A busy host may send an event meanwhile; a quiet one times out. Either way the call returned.
        Assert.Contains(quiet.Kind, new[] { UeventReceiptKind.TimedOut, UeventReceiptKind.Event });

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var pending = listener.ReceiveAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // After a timeout and a cancellation the same socket still delivers, awaited and synchronously.
        Assert.NotEqual(UeventReceiptKind.Overflow, (await listener.ReceiveAsync(TimeSpan.FromMilliseconds(50), Ct)).Kind);
        Assert.NotEqual(UeventReceiptKind.Overflow, listener.Receive(TimeSpan.FromMilliseconds(50), Ct).Kind);
    }

    [Fact]
    public async Task An_awaited_uevent_receive_gets_a_kernel_event()
    {
        const string trigger = "/sys/class/mem/null/uevent";
        if (Environment.UserName != "root" || !File.Exists(trigger))
            Assert.Skip("needs root and /sys/class/mem/null to make the kernel send an event");
        using var listener = UeventListener.Open();
        var receive = listener.ReceiveAsync(TimeSpan.FromSeconds(10), Ct).AsTask();
        File.WriteAllText(trigger, "change");
        var receipt = await receive.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // Other devices may send events meanwhile: read on to the one this test caused.
        while (receipt.Kind == UeventReceiptKind.Event && receipt.Message!.DevPath != "/devices/virtual/mem/null")
            receipt = await listener.ReceiveAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(UeventReceiptKind.Event, receipt.Kind);
        Assert.Equal("change", receipt.Message!.Action);
    }
}
