namespace NvmeNative.Topology;

/// <summary>A controller's state, from sysfs <c>state</c> (K core.c <c>nvme_sysfs_show_state</c>).</summary>
public enum ControllerState
{
    /// <summary>A state this library does not know (<c>unknown state</c> or a newer kernel's name).</summary>
    Unknown,

    /// <summary><c>new</c>: being created, not yet connected.</summary>
    New,

    /// <summary><c>live</c>: connected; I/O flows.</summary>
    Live,

    /// <summary><c>resetting</c>: tearing down queues before a reconnect.</summary>
    Resetting,

    /// <summary><c>connecting</c>: (re)connecting, e.g. in the reconnect loop after losing the target.</summary>
    Connecting,

    /// <summary><c>deleting</c>: being removed.</summary>
    Deleting,

    /// <summary><c>deleting (no IO)</c>: being removed, I/O no longer possible.</summary>
    DeletingNoIo,

    /// <summary><c>dead</c>: failed for good.</summary>
    Dead,
}

/// <summary>Parsing of the sysfs <c>state</c> text.</summary>
public static class ControllerStates
{
    /// <summary>The state for the text sysfs prints.</summary>
    public static ControllerState Parse(string? text) => text switch
    {
        "new" => ControllerState.New,
        "live" => ControllerState.Live,
        "resetting" => ControllerState.Resetting,
        "connecting" => ControllerState.Connecting,
        "deleting" => ControllerState.Deleting,
        "deleting (no IO)" => ControllerState.DeletingNoIo,
        "dead" => ControllerState.Dead,
        _ => ControllerState.Unknown,
    };

    /// <summary>True for the states from which a controller never becomes live again.</summary>
    public static bool IsTerminal(this ControllerState state) =>
        state is ControllerState.Deleting or ControllerState.DeletingNoIo or ControllerState.Dead;
}
