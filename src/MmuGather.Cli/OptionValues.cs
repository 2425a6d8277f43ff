using System.Globalization;

namespace MmuGather.Cli;

/// <summary>
/// Reads option values for one command; every bad value is a <see cref="UsageException"/>
/// of the form "invalid value 'V' for '--name' (expected ...)", naming the command whose
/// help explains it.
/// </summary>
public sealed class OptionValues(string command)
{
    public OutputFormat Format(string value) => value switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        _ => throw Invalid("--format", value, "text or json"),
    };

    public ulong Seed(string value) =>
        TryDecimal(value, out ulong seed) ? seed : throw Invalid("--seed", value, $"a decimal integer from 0 to {ulong.MaxValue}");

    public string Strategy(string value, IReadOnlyList<string> allowed) =>
        allowed.Contains(value) ? value : throw Invalid("--strategy", value, Alternatives(allowed));

    /// <summary>
    /// A comma-separated list of architecture back-ends (<c>x86,s390</c>), each one of
    /// <paramref name="known"/> and named once, in the order given.
    /// </summary>
    public IReadOnlyList<string> Architectures(string value, IReadOnlyCollection<string> known) =>
        NameList("--arch", "architecture", value, known);

    /// <summary>A comma-separated list of kernel variants (<c>linux,gather</c>), each one of <see cref="KernelVariant.Names"/> and named once.</summary>
    public IReadOnlyList<string> KernelVariants(string value) =>
        NameList("--kernel-variant", "kernel variant", value, [.. KernelVariant.Names]);

    private IReadOnlyList<string> NameList(string option, string what, string value, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(known);
        string[] names = value.Split(',');
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (name.Length == 0)
            {
                throw Invalid(option, value, $"a comma-separated list of {what}s: {string.Join(", ", known)}");
            }

            if (!known.Contains(name))
            {
                throw Usage($"unknown {what} '{name}' in '{option}' (known: {string.Join(", ", known)})");
            }

            if (!seen.Add(name))
            {
                throw Usage($"{what} '{name}' is listed twice in '{option}'");
            }
        }

        return names;
    }

    /// <summary>A decimal integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Integer(string name, string value, long min, long max)
    {
        if (TryDecimal(value, out ulong n) && n >= (ulong)min && n <= (ulong)max)
        {
            return (long)n;
        }

        string range = string.Create(CultureInfo.InvariantCulture, $"an integer from {min} to {max}");
        throw Invalid(name, value, range);
    }

    public UsageException Usage(string message) => new(message, command);

    /// <summary>"a, b or c".</summary>
    public static string Alternatives(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    private static bool TryDecimal(string value, out ulong n)
    {
        n = 0;
        bool digitsOnly = value.Length > 0 && value.All(char.IsAsciiDigit);
        return digitsOnly && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n);
    }

    private UsageException Invalid(string name, string value, string expected) =>
        Usage($"invalid value '{value}' for '{name}' (expected {expected})");
}
