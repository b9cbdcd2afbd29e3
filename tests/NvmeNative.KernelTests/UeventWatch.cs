using System.Text;
using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.KernelTests;

/// <summary>One kernel uevent: "ACTION@DEVPATH" followed by KEY=VALUE pairs.</summary>
internal sealed record Uevent(string Action, string DevPath, IReadOnlyDictionary<string, string> Env)
{
    internal string? this[string key] => Env.TryGetValue(key, out string? v) ? v : null;

    public override string ToString() => $"{Action}@{DevPath} {string.Join(' ', Env.Select(kv => $"{kv.Key}={kv.Value}"))}";
}

/// <summary>
/// Kernel uevents from NETLINK_KOBJECT_UEVENT (group 1: straight from the kernel, no udev needed), for
/// tests that wait for the host to react (a namespace removed or added, a controller reconnected). Open it
/// BEFORE the action whose event you wait for. The library has its own reader (Kernel.UeventListener); the tests
/// keep this independent one so the waits they check are not observed through the code under test.
/// </summary>
internal sealed unsafe class UeventWatch : IDisposable
{
    private readonly SafeFdHandle _socket;
    private readonly List<Uevent> _seen = [];

    internal UeventWatch()
    {
        _socket = Interop.Libc.socket(Interop.Socket.AF_NETLINK,
            Interop.Socket.SOCK_DGRAM | Interop.Socket.SOCK_CLOEXEC | Interop.Socket.SOCK_NONBLOCK,
            Interop.Netlink.NETLINK_KOBJECT_UEVENT);
        if (_socket.IsInvalid)
            throw Syscall.Error(Syscall.LastErrno, "socket(NETLINK_KOBJECT_UEVENT)");
        int size = 4 << 20;
        Interop.Libc.setsockopt(_socket, Interop.Socket.SOL_SOCKET, Interop.Socket.SO_RCVBUFFORCE, &size, sizeof(int));
        var addr = new Interop.Netlink.sockaddr_nl { nl_family = Interop.Socket.AF_NETLINK, nl_groups = 1 };
        if (Interop.Libc.bind(_socket, &addr, (uint)sizeof(Interop.Netlink.sockaddr_nl)) < 0)
            throw Syscall.Error(Syscall.LastErrno, "bind(NETLINK_KOBJECT_UEVENT)");
    }

    /// <summary>Every event received so far (for failure messages).</summary>
    internal IReadOnlyList<Uevent> Seen => _seen;

    /// <summary>Every event received so far, after taking in whatever the socket holds now.</summary>
    internal IReadOnlyList<Uevent> ReceivedNow()
    {
        Drain();
        return _seen;
    }

    /// <summary>
    /// Waits for the first event (since the watch opened, including ones already received) that
    /// <paramref name="match"/> accepts; fails the test with what was seen when the deadline passes.
    /// </summary>
    internal Uevent WaitFor(Func<Uevent, bool> match, TimeSpan timeout, string what)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        int consumed = 0;
        while (true)
        {
            for (; consumed < _seen.Count; consumed++)
            {
                if (match(_seen[consumed]))
                    return _seen[consumed];
            }
            int left = (int)Math.Max(0, deadline - Environment.TickCount64);
            if (left == 0 || NvmeNative.Kernel.CancellablePoll.Wait(_socket, Interop.Poll.POLLIN, TimeSpan.FromMilliseconds(left), CancellationToken.None, "uevent socket") == 0)
                Assert.Fail($"no uevent for {what} within {timeout.TotalSeconds:0} s; saw:\n  " + string.Join("\n  ", _seen));
            Drain();
        }
    }

    private void Drain()
    {
        byte[] buffer = new byte[16384];
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
                n = Interop.Libc.recv(_socket, p, (nuint)buffer.Length, Interop.Socket.MSG_DONTWAIT);
            if (n <= 0)
                return;
            var parts = Encoding.UTF8.GetString(buffer, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !parts[0].Contains('@'))
                continue; // libudev-format messages from udevd (group 2) are not subscribed; skip anything else
            var env = parts.Skip(1).Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
            int at = parts[0].IndexOf('@');
            _seen.Add(new Uevent(parts[0][..at], parts[0][(at + 1)..], env));
        }
    }

    public void Dispose() => _socket.Dispose();
}
