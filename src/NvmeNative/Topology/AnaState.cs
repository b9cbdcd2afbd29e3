namespace NvmeNative.Topology;

/// <summary>The ANA state of one path to a namespace, from the path disk's sysfs <c>ana_state</c>.</summary>
public enum AnaState
{
    /// <summary>A state this library does not know.</summary>
    Unknown,

    /// <summary><c>optimized</c>.</summary>
    Optimized,

    /// <summary><c>non-optimized</c>: usable, slower.</summary>
    NonOptimized,

    /// <summary><c>inaccessible</c>: no I/O through this path now.</summary>
    Inaccessible,

    /// <summary><c>persistent-loss</c>: no I/O through this path, for good.</summary>
    PersistentLoss,

    /// <summary><c>change</c>: in transition.</summary>
    Change,
}

/// <summary>Parsing of the sysfs <c>ana_state</c> text.</summary>
public static class AnaStates
{
    /// <summary>The state for the text sysfs prints.</summary>
    public static AnaState Parse(string? text) => text switch
    {
        "optimized" => AnaState.Optimized,
        "non-optimized" => AnaState.NonOptimized,
        "inaccessible" => AnaState.Inaccessible,
        "persistent-loss" => AnaState.PersistentLoss,
        "change" => AnaState.Change,
        _ => AnaState.Unknown,
    };

    /// <summary>True when I/O can use a path in this state (the kernel makes a head live only through such a path).</summary>
    public static bool IsUsable(this AnaState state) => state is AnaState.Optimized or AnaState.NonOptimized;
}
