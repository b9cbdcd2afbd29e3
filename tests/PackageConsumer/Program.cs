// A program as a user of the NvmeNative package writes it: the public API only, from the package in a local feed.
// `./build.sh package-consumer` builds it in a fresh console project outside this repository;
// PackageConsumerKernelTests runs it in the lab. Reads os-brick connection properties on stdin, attaches the
// volume, reads its first block, detaches it, and prints one line per step.
using NvmeNative.Connector;

// The package is Linux-only ([SupportedOSPlatform("linux")]): a guard is what the platform analyzer asks of callers.
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("NvmeNative attaches volumes on Linux only");
    return 2;
}

var properties = ConnectionProperties.Parse(Console.In.ReadToEnd());
var connector = new NvmeOfConnector();
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

var volume = connector.Connect(properties, timeout.Token);
Console.WriteLine($"attached {volume.Path}");

var firstBlock = new byte[4096];
using (var device = File.OpenHandle(volume.Path, FileMode.Open, FileAccess.Read))
    Console.WriteLine($"read {RandomAccess.Read(device, firstBlock, 0)} bytes");

var detached = connector.Disconnect(properties, volume.Path, cancellationToken: timeout.Token);
Console.WriteLine($"detached {detached.Path}; deleted {string.Join(",", detached.DeletedControllers)}");
return 0;
