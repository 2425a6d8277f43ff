using System.Globalization;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// One architecture's run of the compared scenario. Invariant: every figure comes from
/// <see cref="Result"/>'s counters of the scenario's steps (what <c>run</c> prints under
/// "counters"), never from the teardown.
/// </summary>
/// <param name="Arch">The back-end that ran.</param>
/// <param name="Result">Its run.</param>
public sealed record CompareRow(string Arch, RunResult Result)
{
    /// <summary>The kernel variant of <c>--kernel-variant</c> (null: the scenario's own kernel).</summary>
    public string? Variant { get; init; }

    /// <summary>The row's name in tables: the back-end, and the variant if any (<c>x86 gather</c>).</summary>
    public string Label => LabelOf(Arch, Variant);

    /// <summary>The label of a row of <paramref name="arch"/> under <paramref name="variant"/>.</summary>
    public static string LabelOf(string arch, string? variant) => variant is null ? arch : $"{arch} {variant}";

    /// <summary>The checkers fired.</summary>
    public bool HasViolations => !Result.Clean || Result.Violations.Count > 0;

    /// <summary>The value of <paramref name="key"/> in this row: a counter, or a derived figure (null when undefined).</summary>
    public double? Value(string key) => key switch
    {
        CompareColumns.Violations => Math.Max(Result.ViolationsTotal, Result.Violations.Count),
        CompareColumns.PagesPerFlush => Counter("tlb_flushes") == 0 ? null : (double)Counter("pages_freed") / Counter("tlb_flushes"),
        _ => Counter(key),
    };

    /// <summary>The value as the text table prints it: integers plain, the ratio with one decimal, "-" when undefined.</summary>
    public string Text(string key) => Value(key) switch
    {
        null => "-",
        double v when key == CompareColumns.PagesPerFlush => v.ToString("F1", CultureInfo.InvariantCulture),
        double v => ((long)v).ToString(CultureInfo.InvariantCulture),
    };

    private long Counter(string key) => Result.Counters.TryGetValue(key, out long v) ? v : 0;
}
