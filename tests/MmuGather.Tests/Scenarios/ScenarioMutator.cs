using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MmuGather.Tests.Scenarios;

/// <summary>
/// Makes deterministic mutants of a scenario file for the parser fuzz test: the same seed and
/// input always give the same bytes, so a failing mutant is reproduced by its index alone.
/// Each mutant applies one to three of the <see cref="Operations"/>; most break the file, some
/// leave it valid (and then it runs).
/// </summary>
internal sealed partial class ScenarioMutator
{
    /// <summary>The mutation names, in the order <see cref="Mutate"/> picks them by index.</summary>
    public static readonly string[] Operations =
        ["flip", "delete", "duplicate", "key-swap", "huge-number", "alias-bomb", "deep-nesting", "truncate"];

    private static readonly string[] s_hugeNumbers =
    [
        "18446744073709551616", "18446744073709551615", "9223372036854775808", "4294967296", "2147483648",
        "99999999999999999999999999999999", "-1", "0", "1e400", "0x7fffffffffffffff", "16383PiB",
        "64TiB", "100TiB", "1000000", "1000001", "65", "257", "2049",
    ];

    private static readonly byte[] s_yamlBytes = Encoding.ASCII.GetBytes(":{}[]-&*#'\"\n\t ,!|>%@`?~\\0");

    private readonly Random _rng;

    public ScenarioMutator(int seed)
    {
        _rng = new Random(seed);
    }

    /// <summary>The operations applied to the last mutant, for failure messages.</summary>
    public List<string> Applied { get; } = [];

    public byte[] Mutate(byte[] original)
    {
        Applied.Clear();
        byte[] bytes = original;
        int count = 1 + _rng.Next(3);
        for (int i = 0; i < count; i++)
        {
            string op = Operations[_rng.Next(Operations.Length)];
            Applied.Add(op);
            bytes = Apply(op, bytes);
        }

        return bytes;
    }

    private byte[] Apply(string op, byte[] bytes) => op switch
    {
        "flip" => Flip(bytes),
        "delete" => Delete(bytes),
        "duplicate" => DuplicateLines(bytes),
        "key-swap" => Text(bytes, SwapKeys),
        "huge-number" => Text(bytes, HugeNumber),
        "alias-bomb" => Text(bytes, AliasBomb),
        "deep-nesting" => Text(bytes, DeepNesting),
        _ => bytes[.._rng.Next(bytes.Length + 1)],
    };

    private static byte[] Text(byte[] bytes, Func<string, string> mutate) =>
        Encoding.UTF8.GetBytes(mutate(Encoding.UTF8.GetString(bytes)));

    /// <summary>Flips a bit of one to eight bytes, or puts a YAML-significant character there.</summary>
    private byte[] Flip(byte[] bytes)
    {
        byte[] copy = [.. bytes];
        for (int n = 1 + _rng.Next(8); n > 0 && copy.Length > 0; n--)
        {
            int at = _rng.Next(copy.Length);
            copy[at] = _rng.Next(2) == 0 ? (byte)(copy[at] ^ (1 << _rng.Next(8))) : s_yamlBytes[_rng.Next(s_yamlBytes.Length)];
        }

        return copy;
    }

    private byte[] Delete(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int at = _rng.Next(bytes.Length);
        int length = Math.Min(1 + _rng.Next(64), bytes.Length - at);
        return [.. bytes[..at], .. bytes[(at + length)..]];
    }

    /// <summary>Repeats one to five lines up to a thousand times (more steps, threads, processes or keys).</summary>
    private byte[] DuplicateLines(byte[] bytes)
    {
        string[] lines = Encoding.UTF8.GetString(bytes).Split('\n');
        int at = _rng.Next(lines.Length);
        int count = Math.Min(1 + _rng.Next(5), lines.Length - at);
        int times = _rng.Next(4) == 0 ? 1 + _rng.Next(1000) : 1 + _rng.Next(3);
        string[] block = lines[at..(at + count)];
        var result = new List<string>(lines[..(at + count)]);
        for (int i = 0; i < times; i++)
        {
            result.AddRange(block);
        }

        result.AddRange(lines[(at + count)..]);
        return Encoding.UTF8.GetBytes(string.Join('\n', result));
    }

    private string SwapKeys(string text)
    {
        MatchCollection keys = KeyPattern().Matches(text);
        if (keys.Count < 2)
        {
            return text;
        }

        Match a = keys[_rng.Next(keys.Count)];
        Match b = keys[_rng.Next(keys.Count)];
        if (a.Index > b.Index)
        {
            (a, b) = (b, a);
        }

        if (a.Index == b.Index)
        {
            return text;
        }

        string between = text[(a.Index + a.Length)..b.Index];
        return text[..a.Index] + b.Value + between + a.Value + text[(b.Index + b.Length)..];
    }

    private string HugeNumber(string text)
    {
        MatchCollection numbers = NumberPattern().Matches(text);
        if (numbers.Count == 0)
        {
            return text;
        }

        Match m = numbers[_rng.Next(numbers.Count)];
        string huge = s_hugeNumbers[_rng.Next(s_hugeNumbers.Length)];
        return string.Concat(text.AsSpan(0, m.Index), huge, text.AsSpan(m.Index + m.Length));
    }

    /// <summary>Either a billion-laughs block at the top, or a thread anchored and aliased many times.</summary>
    private string AliasBomb(string text)
    {
        if (_rng.Next(2) == 0)
        {
            return Laughs() + text;
        }

        Match thread = ThreadPattern().Match(text);
        if (!thread.Success)
        {
            return Laughs() + text;
        }

        int times = 1 + _rng.Next(2000);
        // The anchor on a line of its own, so that it names the thread's mapping, not its first key.
        string indent = thread.Groups[1].Value;
        string anchored = string.Concat(text.AsSpan(0, thread.Index), $"{indent}- &t\n{indent}  {thread.Groups[2].Value}", text.AsSpan(thread.Index + thread.Length));
        string aliases = string.Join(", ", Enumerable.Repeat("*t", times));
        return anchored.TrimEnd('\n') + $"\n  - name: bomb\n    threads: [{aliases}]\n";
    }

    private string Laughs()
    {
        int levels = 2 + _rng.Next(8);
        int fanout = 2 + _rng.Next(9);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"l0: &l0 [{string.Join(", ", Enumerable.Repeat("lol", fanout))}]\n");
        for (int i = 1; i < levels; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", fanout))}]\n");
        }

        return sb.ToString();
    }

    /// <summary>Wraps a value in N brackets (balanced around the depth limit, or unbalanced and huge).</summary>
    private string DeepNesting(string text)
    {
        MatchCollection values = ValuePattern().Matches(text);
        if (values.Count == 0)
        {
            return text + new string('[', 1 + _rng.Next(100_000));
        }

        Match m = values[_rng.Next(values.Count)];
        bool balanced = _rng.Next(2) == 0;
        int depth = balanced ? 50 + _rng.Next(30) : 1 + _rng.Next(100_000);
        string open = _rng.Next(2) == 0 ? "[" : "{a: ";
        string close = open == "[" ? "]" : "}";
        string wrapped = string.Concat(Enumerable.Repeat(open, depth)) + m.Groups[1].Value
            + (balanced ? string.Concat(Enumerable.Repeat(close, depth)) : string.Empty);
        return string.Concat(text.AsSpan(0, m.Groups[1].Index), wrapped, text.AsSpan(m.Groups[1].Index + m.Groups[1].Length));
    }

    [GeneratedRegex(@"\b[a-z_]+:")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\b\d+")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^([ ]*)- (cpus?:)", RegexOptions.Multiline)]
    private static partial Regex ThreadPattern();

    [GeneratedRegex(@": ([^\s{}\[\],#]+)")]
    private static partial Regex ValuePattern();
}
