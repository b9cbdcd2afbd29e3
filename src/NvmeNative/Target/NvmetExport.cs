namespace NvmeNative.Target;

/// <summary>A subsystem with one namespace, exported on its own TCP port: what a test or demo connects a host to.</summary>
/// <param name="Subsystem">The subsystem (connect with <c>nqn=</c><see cref="NvmetSubsystem.Nqn"/>).</param>
/// <param name="Namespace">Its one namespace.</param>
/// <param name="Port">The port it is linked to (<c>traddr=</c><see cref="NvmetPort.TrAddr"/>, <c>trsvcid=</c><see cref="NvmetPort.TrSvcId"/>).</param>
public sealed record NvmetExport(NvmetSubsystem Subsystem, NvmetNamespace Namespace, NvmetPort Port);
