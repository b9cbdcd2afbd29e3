using NvmeNative.Errors;

namespace NvmeNative.Tests.Errors;

/// <summary>
/// What may leave a public method of the library: the <see cref="NvmeNativeException"/> family, a cancellation, or an
/// argument exception for a programming error (a null, an undefined enum value). A bare IOException,
/// UnauthorizedAccessException, FormatException, OverflowException or NullReferenceException may not.
/// </summary>
internal static class LibraryExceptions
{
    private static bool MayLeave(Exception e) => e is NvmeNativeException or OperationCanceledException or ArgumentException;

    /// <summary>The exception the call threw, checked to be one the library may let out.</summary>
    internal static Exception Rejected(Action call)
    {
        var e = Record.Exception(call);
        Assert.NotNull(e);
        Assert.True(MayLeave(e), $"{e.GetType().FullName} left the library: {e}");
        return e;
    }

    /// <summary>The call either works or fails with an exception the library may let out.</summary>
    internal static void WorksOrRejected(Action call)
    {
        var e = Record.Exception(call);
        Assert.True(e is null || MayLeave(e), $"{e?.GetType().FullName} left the library: {e}");
    }

    /// <summary>The call was refused as bad input.</summary>
    internal static InvalidInputException RejectedAsInput(Action call) =>
        Assert.IsType<InvalidInputException>(Rejected(call), exactMatch: false);
}
