using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MmuGather.Scenarios;

/// <summary>
/// Reads typed values (names, integers, booleans, lengths, choices) out of YAML nodes of one
/// scenario file and turns every problem into a <see cref="ScenarioException"/> naming the
/// file and the node's line.
/// </summary>
internal sealed class ScenarioNodeReader
{
    /// <summary>Page size every offset, length and memory size must be a multiple of.</summary>
    public const ulong PageSize = 4096;

    private readonly string _file;

    public ScenarioNodeReader(string file)
    {
        _file = file;
    }

    public string File => _file;

    /// <summary>1-based line where <paramref name="node"/> starts.</summary>
    public static int LineOf(YamlNode node) => ToLine(node.Start.Line);

    public static int ToLine(long line) => (int)Math.Clamp(line, 0, int.MaxValue);

    public static string Hex(ulong value) => $"0x{value:x}";

    /// <summary>True for a plain empty scalar or a YAML null (<c>~</c>, <c>null</c>).</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Short description of a node for "got ..." in messages.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        _ when IsNull(node) => "nothing",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a sequence",
        _ => "an unsupported YAML node",
    };

    public ScenarioException Error(YamlNode node, string what) => new(_file, LineOf(node), what);

    public ScenarioException Error(int line, string what) => new(_file, line, what);

    /// <summary>A non-empty string (any non-null scalar).</summary>
    public string ReadName(YamlNode node, string key)
    {
        if (IsNull(node) || node is not YamlScalarNode { Value: { Length: > 0 } value })
        {
            throw Error(node, $"'{key}' must be a non-empty string, got {Describe(node)}");
        }

        return value;
    }

    public bool ReadBool(YamlNode node, string key) => ScalarText(node) switch
    {
        "true" => true,
        "false" => false,
        _ => throw Error(node, $"'{key}' must be true or false, got {Describe(node)}"),
    };

    /// <summary>A plain decimal integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long ReadInteger(YamlNode node, string key, long min, long max)
    {
        string? text = ScalarText(node);
        if (!IsDecimal(text))
        {
            throw Error(node, $"'{key}' must be a non-negative decimal integer, got {Describe(node)}");
        }

        bool fits = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value);
        if (!fits || value < min || value > max)
        {
            throw Error(node, $"'{key}' must be {RangeText(min, max)}, got {text}");
        }

        return value;
    }

    /// <summary>A plain decimal integer that fits in 64 unsigned bits.</summary>
    public ulong ReadUInt64(YamlNode node, string key)
    {
        string? text = ScalarText(node);
        if (!IsDecimal(text))
        {
            throw Error(node, $"'{key}' must be a non-negative decimal integer, got {Describe(node)}");
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
        {
            throw Error(node, $"'{key}' must be at most {ulong.MaxValue}, got {text}");
        }

        return value;
    }

    /// <summary>A byte length; see <see cref="LengthParser"/>.</summary>
    public ulong ReadLength(YamlNode node, string key)
    {
        string? text = ScalarText(node);
        if (text is null)
        {
            throw Error(node, $"'{key}' must be a length such as 4096 or 2MiB, got {Describe(node)}");
        }

        if (!LengthParser.TryParse(text, out ulong bytes, out string error))
        {
            throw Error(node, error);
        }

        return bytes;
    }

    /// <summary>A byte length that is non-zero and a multiple of <see cref="PageSize"/>.</summary>
    public ulong ReadPageLength(YamlNode node, string key)
    {
        ulong bytes = ReadLength(node, key);
        if (bytes == 0)
        {
            throw Error(node, $"'{key}' must be greater than 0");
        }

        RequirePageAligned(node, key, bytes);
        return bytes;
    }

    public void RequirePageAligned(YamlNode node, string key, ulong bytes)
    {
        if (bytes % PageSize != 0)
        {
            throw Error(node, $"{key} {Hex(bytes)} is not page aligned ({PageSize})");
        }
    }

    /// <summary>One of <paramref name="allowed"/> (case-sensitive).</summary>
    public string ReadChoice(YamlNode node, string key, IReadOnlyList<string> allowed)
    {
        string? text = ScalarText(node);
        if (text is null || !allowed.Contains(text))
        {
            throw Error(node, $"'{key}' must be one of {string.Join(", ", allowed)}, got {Describe(node)}");
        }

        return text;
    }

    /// <summary>The items of a sequence; an empty value counts as an empty sequence.</summary>
    public IReadOnlyList<YamlNode> ReadSequence(YamlNode node, string key)
    {
        if (IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            throw Error(node, $"'{key}' must be a sequence, got {Describe(node)}");
        }

        return [.. sequence.Children];
    }

    private static string? ScalarText(YamlNode node) =>
        node is YamlScalarNode scalar && !IsNull(node) ? scalar.Value : null;

    private static bool IsDecimal(string? text) =>
        text is { Length: > 0 } && text.All(char.IsAsciiDigit);

    private static string RangeText(long min, long max) =>
        max == long.MaxValue ? $"at least {min}" : $"between {min} and {max}";
}
