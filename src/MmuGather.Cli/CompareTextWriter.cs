using System.Globalization;
using System.Text;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The readable report of <c>compare</c>: the header (scenario, file, seed, strategy), one
/// aligned table with a row per architecture, the legend of its columns, then the violations
/// (or "violations: none") with the command that reruns each offending back-end. Every figure
/// comes from the rows; lines end with '\n'.
/// </summary>
public static class CompareTextWriter
{
    /// <summary>Violations printed per architecture; its own run shows them all.</summary>
    public const int ViolationsPerArch = 3;

    private const string Indent = "  ";

    /// <summary>Renders <paramref name="report"/> as text.</summary>
    public static string Render(CompareReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        AppendHeader(sb, report);
        IReadOnlyList<CompareColumn> columns = report.Columns;
        AppendTable(sb, report, columns);
        AppendLegend(sb, columns);
        AppendViolations(sb, report);
        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, CompareReport report)
    {
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Left));
        table.AddRow("scenario", report.Scenario);
        table.AddRow("file", report.ScenarioFile);
        table.AddRow("seed", $"{report.Seed.ToString(CultureInfo.InvariantCulture)} ({report.SeedOrigin})");
        table.AddRow("strategy", report.Settings.Strategy);
        table.AppendTo(sb, string.Empty, withHeader: false);
    }

    private static void AppendTable(StringBuilder sb, CompareReport report, IReadOnlyList<CompareColumn> columns)
    {
        var table = new TextTable([("arch", ColumnAlignment.Left), .. columns.Select(c => (c.Header, ColumnAlignment.Right))]);
        foreach (CompareRow row in report.Rows)
        {
            table.AddRow([row.Label, .. columns.Select(c => row.Text(c.Key))]);
        }

        sb.Append('\n').Append("the scenario's steps on each architecture (teardown not included)\n");
        table.AppendTo(sb, Indent, withHeader: true);
    }

    private static void AppendLegend(StringBuilder sb, IReadOnlyList<CompareColumn> columns)
    {
        var table = new TextTable(("", ColumnAlignment.Left), ("", ColumnAlignment.Left));
        foreach (CompareColumn c in columns)
        {
            table.AddRow(c.Header, c.Header == c.Key ? c.Meaning : $"{c.Key}: {c.Meaning}");
        }

        sb.Append('\n').Append("columns\n");
        table.AppendTo(sb, Indent, withHeader: false);
    }

    private static void AppendViolations(StringBuilder sb, CompareReport report)
    {
        sb.Append('\n');
        var offending = report.Rows.Where(r => r.HasViolations).ToList();
        if (offending.Count == 0)
        {
            sb.Append("violations: none\n");
            return;
        }

        sb.Append($"violations: on {offending.Count.ToString(CultureInfo.InvariantCulture)} of {report.Rows.Count.ToString(CultureInfo.InvariantCulture)} architectures\n");
        foreach (CompareRow row in offending)
        {
            sb.Append(Indent).Append($"{row.Label}: {row.Text(CompareColumns.Violations)}\n");
            foreach (Violation v in row.Result.Violations.Take(ViolationsPerArch))
            {
                sb.Append(Indent).Append(Indent).Append($"[{v.Checker}] {v.Step}: {v.Message}\n");
            }

            sb.Append(Indent).Append(Indent).Append("rerun with: ").Append(report.ReproduceCommand(row)).Append('\n');
        }
    }
}
