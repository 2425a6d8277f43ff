using System.Globalization;
using System.Text;

namespace MmuGather.Swarm;

/// <summary>A swarm run's figures: every case by index, and the totals the report prints.</summary>
public sealed record SwarmSummary(SwarmOptions Options, IReadOnlyList<SwarmCaseResult> Cases, double WallSeconds)
{
    public long Interleavings => Cases.Sum(c => c.Interleavings);

    public IReadOnlyList<SwarmCaseResult> Failures => [.. Cases.Where(c => c.Outcome != SwarmOutcome.Clean)];

    /// <summary>Cases per outcome, every outcome listed.</summary>
    public IReadOnlyDictionary<SwarmOutcome, int> ByOutcome =>
        Enum.GetValues<SwarmOutcome>().ToDictionary(o => o, o => Cases.Count(c => c.Outcome == o));

    /// <summary>The report: totals, outcomes, architectures, then each failure with its shrunk file and replay line.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        Line(sb, "swarm");
        string of = Cases.Count < Options.Scenarios ? $" of {Options.Scenarios} (time budget reached)" : string.Empty;
        Line(sb, $"  scenarios            {Cases.Count}{of}");
        Line(sb, $"  interleavings        {Interleavings} ({Options.Runs} random + {Options.Runs} pct per scenario, fewer when one fails)");
        Line(sb, $"  base seed            {Options.Seed}");
        Line(sb, $"  jobs                 {Options.Jobs}");
        Line(sb, $"  wall time            {WallSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        Line(sb, string.Empty);
        Line(sb, "by outcome");
        foreach ((SwarmOutcome o, int n) in ByOutcome)
        {
            Line(sb, $"  {o,-18} {n}");
        }

        Line(sb, string.Empty);
        Line(sb, "by arch (scenarios, failed)");
        foreach (var g in Cases.GroupBy(c => c.Arch).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Line(sb, $"  {g.Key,-18} {g.Count(),6} {g.Count(c => c.Outcome != SwarmOutcome.Clean),6}");
        }

        AppendFailures(sb);
        return sb.ToString();
    }

    private void AppendFailures(StringBuilder sb)
    {
        Line(sb, string.Empty);
        Line(sb, $"failures: {Failures.Count}");
        foreach (SwarmCaseResult c in Failures)
        {
            SwarmFailure f = c.ShrunkFailure ?? c.Failure!;
            Line(sb, $"  scenario {c.Index} ({c.Arch}): {c.Outcome} {f.Key}");
            Line(sb, $"    {f.Message}");
            if (c.Shrunk is { } s)
            {
                Line(sb, $"    shrunk to {s.Size} (processes + threads + steps) in {c.ShrinkAttempts} attempts");
            }

            string file = c.ShrunkPath ?? c.OriginalPath ?? "FILE";
            Line(sb, $"    file: {file}");
            Line(sb, $"    replay with: {f.ReplayLine(file)}");
        }
    }

    private static void Line(StringBuilder sb, string text) => sb.Append(text).Append('\n');
}
