namespace MmuGather.Scenarios;

/// <summary>
/// Parses byte lengths written as plain bytes (<c>4096</c>, <c>0x1000</c>) or as a number with a
/// binary IEC unit and an optional single space (<c>16KiB</c>, <c>2 MiB</c>). Units are
/// case-sensitive: <c>B</c>, <c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c>.
/// </summary>
internal static class LengthParser
{
    private const string Hint = "(use bytes or a number with KiB, MiB, GiB, TiB)";

    // "B" must come last: every other unit also ends with it.
    private static readonly (string Unit, int Shift)[] s_units =
    [
        ("KiB", 10),
        ("MiB", 20),
        ("GiB", 30),
        ("TiB", 40),
        ("B", 0),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> is one sentence.</summary>
    public static bool TryParse(string text, out ulong bytes, out string error)
    {
        bytes = 0;
        error = $"bad length '{text}' {Hint}";
        if (!TrySplit(text, out string number, out int shift))
        {
            return false;
        }

        if (!TryParseNumber(number, out ulong value, out bool overflow))
        {
            if (overflow)
            {
                error = $"length '{text}' is too large (it does not fit in 64 bits)";
            }

            return false;
        }

        if (value > ulong.MaxValue >> shift)
        {
            error = $"length '{text}' is too large (it does not fit in 64 bits)";
            return false;
        }

        bytes = value << shift;
        error = string.Empty;
        return true;
    }

    /// <summary>Splits "2 MiB" into "2" and the unit's shift (0 when there is no unit).</summary>
    private static bool TrySplit(string text, out string number, out int shift)
    {
        foreach ((string unit, int unitShift) in s_units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal))
            {
                string head = text[..^unit.Length];
                number = head.EndsWith(' ') ? head[..^1] : head;
                shift = unitShift;
                return number.Length > 0;
            }
        }

        number = text;
        shift = 0;
        return text.Length > 0;
    }

    private static bool TryParseNumber(string number, out ulong value, out bool overflow)
    {
        bool hex = number.StartsWith("0x", StringComparison.Ordinal) || number.StartsWith("0X", StringComparison.Ordinal);
        string digits = hex ? number[2..] : number;
        uint radix = hex ? 16u : 10u;
        value = 0;
        overflow = false;
        if (digits.Length == 0 || digits.Any(c => DigitValue(c, radix) < 0))
        {
            return false;
        }

        foreach (char c in digits)
        {
            int digit = DigitValue(c, radix);
            if (value > (ulong.MaxValue - (ulong)digit) / radix)
            {
                overflow = true;
                return false;
            }

            value = (value * radix) + (ulong)digit;
        }

        return true;
    }

    private static int DigitValue(char c, uint radix)
    {
        int digit = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return digit < radix ? digit : -1;
    }
}
