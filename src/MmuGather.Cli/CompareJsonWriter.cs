using System.Text.Json;

namespace MmuGather.Cli;

/// <summary>
/// The machine-readable report of <c>compare</c>: one JSON object with its keys in a fixed
/// order (scenario, file, seed, strategy, columns, rows, violations_total). Each row has the
/// architecture, the table's figures under the column keys (pages_per_flush is null when no
/// tlb_flush was called), every counter of the scenario's steps, and its violations as
/// <c>run</c> reports them. The same input gives byte-identical output.
/// </summary>
public static class CompareJsonWriter
{
    /// <summary>Renders <paramref name="report"/> as JSON text.</summary>
    public static string Render(CompareReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonText.Render(w => WriteReport(w, report));
    }

    private static void WriteReport(Utf8JsonWriter w, CompareReport report)
    {
        IReadOnlyList<CompareColumn> columns = report.Columns;
        w.WriteStartObject();
        w.WriteString("scenario", report.Scenario);
        w.WriteString("file", report.ScenarioFile);
        w.WriteNumber("seed", report.Seed);
        w.WriteString("strategy", report.Settings.Strategy);
        w.WriteStartArray("columns");
        foreach (CompareColumn c in columns)
        {
            w.WriteStringValue(c.Key);
        }

        w.WriteEndArray();
        w.WriteStartArray("rows");
        foreach (CompareRow row in report.Rows)
        {
            WriteRow(w, row, columns);
        }

        w.WriteEndArray();
        w.WriteNumber("violations_total", report.Rows.Sum(r => (long)r.Value(CompareColumns.Violations)!.Value));
        w.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter w, CompareRow row, IReadOnlyList<CompareColumn> columns)
    {
        w.WriteStartObject();
        w.WriteString("arch", row.Arch);
        if (row.Variant is { } variant)
        {
            w.WriteString("kernel_variant", variant);
        }

        foreach (CompareColumn c in columns)
        {
            WriteFigure(w, c.Key, row.Value(c.Key));
        }

        w.WriteStartObject("counters");
        foreach ((string key, long value) in row.Result.Counters)
        {
            w.WriteNumber(key, value);
        }

        w.WriteEndObject();
        JsonReportWriter.WriteViolations(w, row.Result.Violations);
        w.WriteEndObject();
    }

    private static void WriteFigure(Utf8JsonWriter w, string key, double? value)
    {
        if (value is not { } v)
        {
            w.WriteNull(key);
        }
        else if (key == CompareColumns.PagesPerFlush)
        {
            w.WriteNumber(key, Math.Round(v, 3));
        }
        else
        {
            w.WriteNumber(key, (long)v);
        }
    }
}
