using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// A controller created by a connect: the kernel's instance number (the N of <c>/dev/nvmeN</c> and
/// <c>/sys/class/nvme/nvmeN</c>) and the controller ID the target assigned.
/// </summary>
/// <param name="Instance">N in nvmeN.</param>
/// <param name="ControllerId">The target's controller ID (cntlid).</param>
/// <param name="SubsystemNqn">The subsystem the controller was created for.</param>
public sealed record ControllerInstance(int Instance, int ControllerId, Nqn SubsystemNqn)
{
    /// <summary>The controller's name: <c>nvmeN</c>.</summary>
    public string Name => "nvme" + Instance.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (cntlid {ControllerId}, {SubsystemNqn})";
}
