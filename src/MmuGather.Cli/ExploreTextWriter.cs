using System.Globalization;
using System.Text;
using MmuGather.Explore;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The readable report of <c>explore</c>: what was explored, the summary (runs, bad runs,
/// runs per checker, wall time), then each kept bad run with its seed, its first violations
/// and the command that replays it, then each kept refused run likewise. Everything but the wall time and the rate depends only on
/// the scenario and the options; lines end with '\n'.
/// </summary>
public static class ExploreTextWriter
{
    /// <summary>Violations printed per bad run; its replay shows them all.</summary>
    public const int ViolationsPerRun = 5;

    private const string Indent = "  ";

    /// <summary>Renders <paramref name="report"/> as text.</summary>
    public static string Render(ExploreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        AppendHeader(sb, report);
        AppendSummary(sb, report);
        AppendByChecker(sb, report.Summary.RunsByChecker);
        AppendBadRuns(sb, report);
        AppendRefusedRuns(sb, report);
        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, ExploreReport report)
    {
        ExploreSummary s = report.Summary;
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Left));
        table.AddRow("scenario", s.Scenario);
        table.AddRow("file", report.ScenarioFile);
        table.AddRow("strategy", ReplayLine.Describe(report.Settings));
        table.AddRow("seed", $"{Number(s.BaseSeed)} (base seed: each run has its own, derived from it)");
        table.AppendTo(sb, string.Empty, withHeader: false);
    }

    private static void AppendSummary(StringBuilder sb, ExploreReport report)
    {
        ExploreSummary s = report.Summary;
        string runs = report.StoppedEarly
            ? $"{Number(s.RunsDone)} of {Number(report.Options.Runs)} (stopped at the first bad run)"
            : Number(s.RunsDone);
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Right));
        table.AddRow("runs", runs);
        table.AddRow("runs with violations", Number(s.RunsWithViolations));
        table.AddRow("failed runs (model invariant broken)", Number(s.RunsFailed));
        table.AddRow("refused runs (not modelled)", Number(s.RunsRefused));
        table.AddRow("internal errors (simulator bug)", Number(s.RunsInternalError));
        table.AddRow("first bad run", FirstBadRun(s.FirstBadRun));
        table.AddRow("scheduling points", Number(s.TotalPoints));
        table.AddRow("wall time", s.WallSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s");
        table.AddRow("runs/s", s.RunsPerSecond.ToString("F1", CultureInfo.InvariantCulture));
        sb.Append('\n').Append("summary\n");
        table.AppendTo(sb, Indent, withHeader: false);
    }

    private static void AppendByChecker(StringBuilder sb, IReadOnlyDictionary<string, long> byChecker) =>
        TextTable.AppendNamedNumbers(sb, "runs with violations, by checker", byChecker, Indent, "none");

    private static string FirstBadRun(long? first) => first switch
    {
        null => "none",
        ExploreRun.PreRunIndex => "the turns pre-run",
        { } index => Number(index),
    };

    private static void AppendBadRuns(StringBuilder sb, ExploreReport report)
    {
        ExploreSummary s = report.Summary;
        long bad = s.Bad.Count == 0 ? 0 : report.BadRuns;
        sb.Append('\n');
        if (bad == 0)
        {
            sb.Append("bad runs: none\n");
            return;
        }

        AppendListHeader(sb, "bad runs", bad, s.Bad.Count);
        foreach (ExploreRun run in s.Bad)
        {
            AppendBadRun(sb, report, run);
        }
    }

    /// <summary>Refused runs are listed only when there are some, so a clean report is unchanged.</summary>
    private static void AppendRefusedRuns(StringBuilder sb, ExploreReport report)
    {
        ExploreSummary s = report.Summary;
        if (s.Refused.Count == 0)
        {
            return;
        }

        sb.Append('\n');
        AppendListHeader(sb, "refused runs", s.RunsRefused, s.Refused.Count);
        foreach (ExploreRun run in s.Refused)
        {
            AppendRunTitle(sb, report, run);
            sb.Append(Indent + Indent).Append("refused: ").Append(run.Failure).Append('\n');
            AppendReplay(sb, report, run);
        }
    }

    private static void AppendListHeader(StringBuilder sb, string what, long total, int listed)
    {
        sb.Append(what).Append(": ").Append(Number(total));
        if (listed < total)
        {
            sb.Append($" (the first {Number(listed)} listed)");
        }

        sb.Append('\n');
    }

    private static void AppendBadRun(StringBuilder sb, ExploreReport report, ExploreRun run)
    {
        AppendRunTitle(sb, report, run);
        string detail = Indent + Indent;
        if (run.Failure is { } failure)
        {
            string what = run.Outcome == ExploreOutcome.InternalError ? "internal error: " : "model invariant broken: ";
            sb.Append(detail).Append(what).Append(failure).Append('\n');
        }

        foreach (Violation v in run.Violations.Take(ViolationsPerRun))
        {
            sb.Append(detail).Append($"[{v.Checker}] {v.Step}\n");
            sb.Append(detail).Append(Indent).Append(v.Message).Append('\n');
        }

        // The true total: the kept list is capped (per checker), so its length would under-report.
        long more = run.ViolationsTotal - Math.Min(run.Violations.Count, ViolationsPerRun);
        if (more > 0)
        {
            sb.Append(detail).Append($"... and {Number(more)} more violations\n");
        }

        AppendReplay(sb, report, run);
    }

    private static void AppendRunTitle(StringBuilder sb, ExploreReport report, ExploreRun run)
    {
        string name = run.IsPreRun ? $"pre-run ({report.StrategyOf(run)}, to count pct's scheduling points)" : $"run {Number(run.Index)}";
        sb.Append(Indent).Append($"{name}, seed {Number(run.Seed)}\n");
    }

    private static void AppendReplay(StringBuilder sb, ExploreReport report, ExploreRun run) =>
        sb.Append(Indent + Indent).Append("replay with: ").Append(report.ReplayCommand(run)).Append('\n');

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
