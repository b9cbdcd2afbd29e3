using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NvmeNative.Connector;
using NvmeNative.Extensions.DependencyInjection;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;
using NvmeNative.Tests.Monitoring;

namespace NvmeNative.Tests.DependencyInjection;

/// <summary>
/// AddNvmeNative with a real ServiceCollection: settings bound from configuration or set by Configure, checked when the
/// host starts, the container's logger factory, the store named by URI or registered by the agent, and the monitor as
/// a hosted service that starts and stops with the host.
/// </summary>
public sealed class AddNvmeNativeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-di-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Settings_are_bound_from_the_NvmeNative_section_into_the_connector_options()
    {
        var services = new ServiceCollection().AddNvmeNative(Config(
            ("NvmeNative:DeviceTimeout", "00:00:05"),
            ("NvmeNative:LockTimeout", "00:01:00"),
            ("NvmeNative:LockFile", "/run/lock/agent/connect.lock"),
            ("NvmeNative:UseMultipath", "false"),
            ("NvmeNative:HealReplicas", "false"),
            ("NvmeNative:ReplicaStateStore", "file:" + _dir),
            ("NvmeNative:ReplicaLegTimeouts:FastIoFailTimeout", "00:00:02"),
            ("NvmeNative:SingleVolumeTimeouts:ControllerLossTimeout", "00:10:00")));
        using var provider = services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<NvmeOfConnectorOptions>();
        Assert.Equal(TimeSpan.FromSeconds(5), options.DeviceTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.LockTimeout);
        Assert.Equal("/run/lock/agent/connect.lock", options.LockFile);
        Assert.False(options.UseMultipath);
        Assert.False(options.HealReplicas);
        Assert.Equal(new NvmeOfConnectorOptions().PathsTimeout, options.PathsTimeout); // unset: the library's default
        Assert.Equal(TimeSpan.FromSeconds(2), options.ReplicaLegTimeouts.FastIoFailTimeout);
        Assert.Equal(ControllerTimeouts.ReplicaLeg.ReconnectDelay, options.ReplicaLegTimeouts.ReconnectDelay);
        Assert.Equal(TimeSpan.FromMinutes(10), options.SingleVolumeTimeouts.ControllerLossTimeout);
        var store = Assert.IsType<FileReplicaStateStore>(options.ReplicaStateStore);
        Assert.Equal(_dir, store.Directory);
        Assert.Same(store, provider.GetRequiredService<IReplicaStateStore>());
        Assert.Same(provider.GetRequiredService<NvmeOfConnector>(), provider.GetRequiredService<NvmeOfConnector>());
    }

    [Fact]
    public void Configure_sets_what_the_immutable_library_options_cannot_take_from_a_lambda()
    {
        var services = new ServiceCollection().AddNvmeNative();
        services.Configure<NvmeNativeOptions>(o =>
        {
            o.ReconnectTimeout = TimeSpan.FromSeconds(45);
            o.ReplicaStateStore = "file:" + _dir;
        });
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<NvmeOfConnectorOptions>();
        Assert.Equal(TimeSpan.FromSeconds(45), options.ReconnectTimeout);
        Assert.Equal(_dir, Assert.IsType<FileReplicaStateStore>(options.ReplicaStateStore).Directory);
    }

    [Fact]
    public void Bad_settings_stop_the_host_at_start_naming_each_key()
    {
        var services = new ServiceCollection().AddNvmeNative(Config(
            ("NvmeNative:DeviceTimeout", "-00:00:01"),
            ("NvmeNative:LockFile", "relative/connect.lock"),
            ("NvmeNative:ReplicaStateStore", "zookeeper://somewhere"),
            ("NvmeNative:Monitor:HookMaxAttempts", "0")));
        using var provider = services.BuildServiceProvider();

        // What the host runs before any hosted service starts (ValidateOnStart).
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("NvmeNative:DeviceTimeout must be positive", e.Message);
        Assert.Contains("NvmeNative:LockFile must be an absolute path", e.Message);
        Assert.Contains("NvmeNative:ReplicaStateStore", e.Message);
        Assert.Contains("NvmeNative:Monitor:HookMaxAttempts", e.Message);

        using var good = new ServiceCollection().AddNvmeNative(Config(("NvmeNative:ReplicaStateStore", "file:" + _dir))).BuildServiceProvider();
        good.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void The_connector_logs_through_the_containers_logger_factory()
    {
        var factory = new RecordingLoggerFactory();
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(factory).AddNvmeNative(o => o.ReplicaStateStore = "file:" + _dir);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<NvmeOfConnectorOptions>();
        Assert.Same(factory.Created[NvmeNativeServiceCollectionExtensions.ConnectorLogCategory], options.Logger);
    }

    [Fact]
    public void A_store_the_agent_registered_is_used_and_an_etcd_uri_makes_an_etcd_store()
    {
        var mine = new FileReplicaStateStore(_dir);
        using (var provider = new ServiceCollection().AddSingleton<IReplicaStateStore>(mine).AddNvmeNative().BuildServiceProvider())
            Assert.Same(mine, provider.GetRequiredService<NvmeOfConnectorOptions>().ReplicaStateStore);

        using var etcd = new ServiceCollection().AddNvmeNative(o => o.ReplicaStateStore = "etcd:http://127.0.0.1:2379?prefix=/agents").BuildServiceProvider();
        var store = Assert.IsType<EtcdReplicaStateStore>(etcd.GetRequiredService<IReplicaStateStore>());
        Assert.Contains("127.0.0.1:2379", store.Description);
    }

    [Fact]
    public async Task The_replica_monitor_runs_as_a_hosted_service_with_the_hosts_lifetime()
    {
        using var host = new FakeReplicatedHost();
        ReplicaMonitorOptions? built = null;
        var services = new ServiceCollection()
            .AddSingleton<IReplicaStateStore>(host.Store)
            .AddNvmeNative(Config(("NvmeNative:Monitor:Heal", "true"), ("NvmeNative:Monitor:RecheckInterval", "00:00:10")))
            .AddNvmeNativeReplicaMonitor(o => built = o with { Paths = host.Sysfs.Paths });
        await using var provider = services.BuildServiceProvider(); // the monitor is IAsyncDisposable: the container disposes it so
        var hosted = Assert.IsType<ReplicaMonitorService>(Assert.Single(provider.GetServices<IHostedService>()));
        var ct = TestContext.Current.CancellationToken;

        await hosted.StartAsync(ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!hosted.Monitor.IsRunning && DateTime.UtcNow < deadline)
            await Task.Delay(10, ct);
        Assert.True(hosted.Monitor.IsRunning);
        Assert.NotNull(built);
        Assert.True(built.Heal);
        Assert.Equal(TimeSpan.FromSeconds(10), built.RecheckInterval);
        Assert.Same(host.Store, built.ReplicaStateStore);

        await hosted.StopAsync(ct);
        Assert.False(hosted.Monitor.IsRunning);
    }

    private sealed class RecordingLoggerFactory : ILoggerFactory
    {
        internal Dictionary<string, ILogger> Created { get; } = [];

        public ILogger CreateLogger(string categoryName) =>
            Created.TryGetValue(categoryName, out var logger) ? logger : Created[categoryName] = new NamedLogger(categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class NamedLogger(string category) : ILogger
    {
        public string Category { get; } = category;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
