namespace NvmeNative.Target;

/// <summary>Names of the nvmet configfs directories and attributes (drivers/nvme/target/configfs.c).</summary>
internal static class NvmetAttributes
{
    internal const string Subsystems = "subsystems";
    internal const string Ports = "ports";
    internal const string Hosts = "hosts";
    internal const string Namespaces = "namespaces";
    internal const string AllowedHosts = "allowed_hosts";

    internal const string AllowAnyHost = "attr_allow_any_host";
    internal const string Serial = "attr_serial";
    internal const string Model = "attr_model";

    internal const string DevicePath = "device_path";
    internal const string DeviceUuid = "device_uuid";
    internal const string DeviceNguid = "device_nguid";
    internal const string BufferedIo = "buffered_io";
    internal const string Enable = "enable";
    internal const string RevalidateSize = "revalidate_size";

    internal const string TrType = "addr_trtype";
    internal const string AdrFam = "addr_adrfam";
    internal const string TrAddr = "addr_traddr";
    internal const string TrSvcId = "addr_trsvcid";
}
