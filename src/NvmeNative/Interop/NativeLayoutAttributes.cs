namespace NvmeNative.Interop;

/// <summary>
/// Names the C header(s) whose definitions a class of constants, a struct or an enum mirrors.
/// native-headers/ compiles a generated C file against these headers and asserts every value,
/// size and offset; a mirrored item without this attribute fails the coverage guard.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum, Inherited = false)]
internal sealed class CHeaderAttribute(params string[] headers) : Attribute
{
    public string[] Headers { get; } = headers;
}

/// <summary>The C spelling of a mirrored struct when it differs from the C# name (e.g. "struct pollfd").</summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class CTypeNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// A field that only reserves space (kernel spares whose names change between header versions).
/// The layout check covers it through the struct's total size, not by name.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
internal sealed class ReservedAttribute : Attribute;

/// <summary>
/// A value we define that has no C macro (a fact from kernel source, not from a UAPI header).
/// The reason says where it comes from and which test checks it instead.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Struct | AttributeTargets.Class, Inherited = false)]
internal sealed class NotInHeadersAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
