using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NvmeNative.Connector;
using NvmeNative.Extensions.DependencyInjection;
using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;

// The conventional namespace of AddXxx extensions, so they show up wherever services are configured.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers NvmeNative in a service collection: <see cref="AddNvmeNative(IServiceCollection, IConfiguration, Action{NvmeNativeOptions})"/>.</summary>
public static class NvmeNativeServiceCollectionExtensions
{
    /// <summary>The logger category of the connector.</summary>
    public const string ConnectorLogCategory = "NvmeNative.Connector";

    /// <summary>The logger category of the replica monitor.</summary>
    public const string MonitorLogCategory = "NvmeNative.Monitoring";

    /// <summary>
    /// Registers <see cref="NvmeOfConnector"/> (a singleton: it is thread-safe and serialises attaches per host itself),
    /// its <see cref="NvmeOfConnectorOptions"/> and the <see cref="IReplicaStateStore"/>, with <see cref="NvmeNativeOptions"/>
    /// bound from <paramref name="configuration"/>'s <c>NvmeNative</c> section and checked when the host starts. The
    /// connector logs through the container's <see cref="ILoggerFactory"/>, when there is one.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration whose <see cref="NvmeNativeOptions.SectionName"/> section holds the settings.</param>
    /// <param name="configure">Sets what configuration does not (applied after the binding).</param>
    public static IServiceCollection AddNvmeNative(this IServiceCollection services, IConfiguration configuration,
        Action<NvmeNativeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddNvmeNative(services, configure).AddOptions<NvmeNativeOptions>().Bind(configuration.GetSection(NvmeNativeOptions.SectionName));
        return services;
    }

    /// <summary>
    /// As <see cref="AddNvmeNative(IServiceCollection, IConfiguration, Action{NvmeNativeOptions})"/>, with the settings
    /// from code only (or from any <c>services.Configure&lt;NvmeNativeOptions&gt;</c>).
    /// </summary>
    public static IServiceCollection AddNvmeNative(this IServiceCollection services, Action<NvmeNativeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<NvmeNativeOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NvmeNativeOptions>, NvmeNativeOptionsValidator>());
        if (configure is not null)
            services.Configure(configure);
        services.TryAddSingleton(CreateStore);
        services.TryAddSingleton(CreateConnectorOptions);
        services.TryAddSingleton(sp => new NvmeOfConnector(sp.GetRequiredService<NvmeOfConnectorOptions>()));
        return services;
    }

    /// <summary>
    /// Runs the <see cref="ReplicaMonitor"/> as a hosted service (<see cref="ReplicaMonitorService"/>) for as long as the
    /// host runs, recording into the registered <see cref="IReplicaStateStore"/>, with
    /// <see cref="NvmeNativeOptions.Monitor"/>'s settings. Calls <see cref="AddNvmeNative(IServiceCollection, Action{NvmeNativeOptions})"/>
    /// if that was not done.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="customize">Adds what configuration cannot hold: the agent's <see cref="ReplicaMonitorOptions.Hook"/>, volumes of a store
    /// that cannot list them (<see cref="ReplicaMonitorOptions.Volumes"/>); given the options built from the settings, returns the ones to use.</param>
    public static IServiceCollection AddNvmeNativeReplicaMonitor(this IServiceCollection services,
        Func<ReplicaMonitorOptions, ReplicaMonitorOptions>? customize = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddNvmeNative(services);
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<NvmeNativeOptions>>().Value.Monitor;
            var options = new ReplicaMonitorOptions
            {
                ReplicaStateStore = sp.GetRequiredService<IReplicaStateStore>(),
                Heal = settings.Heal,
                RecheckInterval = settings.RecheckInterval,
                HookQueueCapacity = settings.HookQueueCapacity,
                HookMaxAttempts = settings.HookMaxAttempts,
                HookRetryDelay = settings.HookRetryDelay,
                Logger = LoggerOf(sp, MonitorLogCategory),
            };
            return customize is null ? options : customize(options);
        });
        services.TryAddSingleton(sp => new ReplicaMonitor(sp.GetRequiredService<ReplicaMonitorOptions>()));
        services.AddHostedService<ReplicaMonitorService>();
        return services;
    }

    private static IReplicaStateStore CreateStore(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<NvmeNativeOptions>>().Value.ReplicaStateStore is { } uri
            ? ReplicaStateStores.Create(uri)
            : new FileReplicaStateStore();

    private static NvmeOfConnectorOptions CreateConnectorOptions(IServiceProvider sp)
    {
        var settings = sp.GetRequiredService<IOptions<NvmeNativeOptions>>().Value;
        var defaults = new NvmeOfConnectorOptions();
        return defaults with
        {
            DeviceTimeout = settings.DeviceTimeout,
            PathsTimeout = settings.PathsTimeout,
            ReconnectTimeout = settings.ReconnectTimeout,
            LockTimeout = settings.LockTimeout,
            LockFile = settings.LockFile,
            UseMultipath = settings.UseMultipath,
            HealReplicas = settings.HealReplicas,
            SingleVolumeTimeouts = settings.SingleVolumeTimeouts.ApplyTo(defaults.SingleVolumeTimeouts),
            ReplicaLegTimeouts = settings.ReplicaLegTimeouts.ApplyTo(defaults.ReplicaLegTimeouts),
            ReplicaStateStore = sp.GetRequiredService<IReplicaStateStore>(),
            Logger = LoggerOf(sp, ConnectorLogCategory),
        };
    }

    private static ILogger LoggerOf(IServiceProvider sp, string category) =>
        sp.GetService<ILoggerFactory>()?.CreateLogger(category) ?? NullLogger.Instance;
}
