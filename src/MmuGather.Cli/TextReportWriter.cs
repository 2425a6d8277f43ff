using System.Globalization;
using System.Text;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;

namespace MmuGather.Cli;

/// <summary>
/// The readable report: header (with the strategy unless it is turns), a table of steps,
/// the main counters, the teardown counters, then the violations (or "violations: none")
/// with the command that replays the run.
/// Every figure comes from the <see cref="RunResult"/>; lines end with '\n'.
/// </summary>
public static class TextReportWriter
{
    private const string Indent = "  ";

    /// <summary>Renders <paramref name="report"/> as text.</summary>
    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        AppendHeader(sb, report);
        AppendSteps(sb, report.Result.Steps);
        AppendCounters(sb, "counters (the scenario's steps)", CounterSelection.MainCounters(report.Result.Counters));
        AppendCounters(sb, "teardown (exit of what still ran, page-cache release, RCU barrier)", CounterSelection.NonZero(report.Result.Teardown));
        AppendChecked(sb, report.Result.Checked);
        AppendViolations(sb, report);
        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, RunReport report)
    {
        RunResult r = report.Result;
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Left));
        table.AddRow("scenario", r.Scenario);
        table.AddRow("arch", r.Arch);
        table.AddRow("seed", $"{Number(r.Seed)} ({report.SeedOrigin})");
        if (report.Settings.Strategy != Strategies.Turns)
        {
            // Turns, the default, is the sequential schedule the report has always described.
            table.AddRow("strategy", ReplayLine.Describe(report.Settings));
        }

        table.AppendTo(sb, string.Empty, withHeader: false);
    }

    private static void AppendSteps(StringBuilder sb, IReadOnlyList<StepResult> steps)
    {
        sb.Append('\n').Append("steps (in the order they ran)\n");
        if (steps.Count == 0)
        {
            sb.Append(Indent).Append("none\n");
            return;
        }

        var table = new TextTable(
            ("#", ColumnAlignment.Right),
            ("thread", ColumnAlignment.Left),
            ("cpu", ColumnAlignment.Right),
            ("op", ColumnAlignment.Left),
            ("line", ColumnAlignment.Right),
            ("shootdowns", ColumnAlignment.Right),
            ("pages freed", ColumnAlignment.Right),
            ("tables freed", ColumnAlignment.Right));
        for (int i = 0; i < steps.Count; i++)
        {
            StepResult s = steps[i];
            table.AddRow(
                Number(i + 1), s.Thread, Number(s.Cpu), s.Op, Number(s.Line),
                Number(s.TlbShootdownIpis), Number(s.PagesFreed), Number(s.PageTablesFreed));
        }

        table.AppendTo(sb, Indent, withHeader: true);
    }

    private static void AppendCounters(StringBuilder sb, string title, IReadOnlyList<KeyValuePair<string, long>> counters) =>
        TextTable.AppendNamedNumbers(sb, title, counters, Indent, "all zero");

    /// <summary>What each checker judged: "violations: none" means something only where it looked.</summary>
    private static void AppendChecked(StringBuilder sb, IReadOnlyList<CheckerCoverage> checkers)
    {
        if (checkers.Count == 0)
        {
            return;
        }

        sb.Append('\n').Append("checked (events each checker judged)\n");
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Right), ("", ColumnAlignment.Left));
        foreach (CheckerCoverage c in checkers)
        {
            table.AddRow(c.Checker, Number(c.Examined), c.What);
        }

        table.AppendTo(sb, Indent, withHeader: false);
    }

    private static void AppendViolations(StringBuilder sb, RunReport report)
    {
        RunResult r = report.Result;
        sb.Append('\n');
        if (r.ViolationsTotal == 0 && r.Violations.Count == 0)
        {
            sb.Append("violations: none\n");
            return;
        }

        sb.Append("violations: ").Append(Number(Math.Max(r.ViolationsTotal, r.Violations.Count)));
        if (r.ViolationsTotal > r.Violations.Count)
        {
            sb.Append($" ({Number(r.Violations.Count)} listed: each checker lists at most {Checker.MaxReportsPerChecker})");
        }

        sb.Append('\n');
        foreach (Violation v in r.Violations)
        {
            sb.Append(Indent).Append($"[{v.Checker}] {v.Step}, seed {Number(v.Seed)}\n");
            sb.Append(Indent).Append(Indent).Append(v.Message).Append('\n');
        }

        sb.Append("replay with: ").Append(report.ReplayCommand).Append('\n');
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
