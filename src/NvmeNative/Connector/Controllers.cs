using NvmeNative.Diagnostics;
using NvmeNative.Fabrics;

namespace NvmeNative.Connector;

/// <summary>Controller deletions as <see cref="Telemetry.Activities.ControllerDelete"/> spans (a detach's, or a rollback's).</summary>
internal static class Controllers
{
    /// <summary>Deletes a controller this operation created (checked against its subsystem first).</summary>
    internal static bool Delete(ConnectorContext context, ControllerInstance controller)
    {
        using var span = Start(controller.Name);
        try
        {
            return context.Fabrics.DeleteController(controller);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>Deletes controller <c>nvme<paramref name="instance"/></c>.</summary>
    internal static bool Delete(ConnectorContext context, int instance, string name)
    {
        using var span = Start(name);
        try
        {
            return context.Fabrics.DeleteController(instance);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    private static System.Diagnostics.Activity? Start(string name)
    {
        var span = Spans.Start(Telemetry.Activities.ControllerDelete);
        span?.SetTag(Telemetry.Tags.Controller, name);
        return span;
    }
}
