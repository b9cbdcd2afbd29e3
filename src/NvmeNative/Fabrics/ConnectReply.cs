using System.Buffers.Text;

namespace NvmeNative.Fabrics;

/// <summary>
/// Parses the kernel's answer to a successful connect, <c>instance=%d,cntlid=%d\n</c> (fabrics.c
/// <c>nvmf_dev_show</c>), without allocating. Fields are split on ',' and '\n' as libnvme does; both
/// fields are required; instance=-1 (the "no controller" dummy of the options listing) is refused.
/// </summary>
internal static class ConnectReply
{
    internal static bool TryParse(ReadOnlySpan<byte> reply, out int instance, out int controllerId)
    {
        instance = -1;
        controllerId = -1;
        foreach (var range in reply.SplitAny(",\n"u8))
        {
            var field = reply[range];
            if (field.StartsWith("instance="u8))
                instance = ParseNonNegative(field["instance="u8.Length..]);
            else if (field.StartsWith("cntlid="u8))
                controllerId = ParseNonNegative(field["cntlid="u8.Length..]);
        }
        return instance >= 0 && controllerId >= 0;
    }

    private static int ParseNonNegative(ReadOnlySpan<byte> digits) =>
        !digits.IsEmpty && char.IsAsciiDigit((char)digits[0]) && Utf8Parser.TryParse(digits, out int value, out int consumed) && consumed == digits.Length
            ? value
            : -1;
}
