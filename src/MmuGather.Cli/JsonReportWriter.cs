using System.Text.Json;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;

namespace MmuGather.Cli;

/// <summary>
/// The machine-readable report: one indented JSON object with its keys in a fixed order
/// (scenario, arch, seed, counters, teardown, steps, violations, violations_total), counters
/// in the order the run gives them, '\n' line endings and a final newline. The same input and
/// seed give byte-identical output.
/// </summary>
public static class JsonReportWriter
{
    /// <summary>Renders <paramref name="result"/> as JSON text.</summary>
    public static string Render(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonText.Render(w => WriteResult(w, result));
    }

    private static void WriteResult(Utf8JsonWriter w, RunResult r)
    {
        w.WriteStartObject();
        w.WriteString("scenario", r.Scenario);
        w.WriteString("arch", r.Arch);
        w.WriteNumber("seed", r.Seed);
        WriteCounters(w, "counters", r.Counters);
        WriteCounters(w, "teardown", r.Teardown);
        WriteSteps(w, r.Steps);
        WriteViolations(w, r.Violations);
        w.WriteNumber("violations_total", r.ViolationsTotal);
        WriteChecked(w, r.Checked);
        w.WriteEndObject();
    }

    /// <summary>The <c>checked</c> array: per checker, the events it judged and the violations it found.</summary>
    private static void WriteChecked(Utf8JsonWriter w, IReadOnlyList<CheckerCoverage> checkers)
    {
        w.WriteStartArray("checked");
        foreach (CheckerCoverage c in checkers)
        {
            w.WriteStartObject();
            w.WriteString("checker", c.Checker);
            w.WriteNumber("examined", c.Examined);
            w.WriteString("what", c.What);
            w.WriteNumber("fired", c.Fired);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteCounters(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counters)
    {
        w.WriteStartObject(name);
        foreach ((string key, long value) in counters)
        {
            w.WriteNumber(key, value);
        }

        w.WriteEndObject();
    }

    private static void WriteSteps(Utf8JsonWriter w, IReadOnlyList<StepResult> steps)
    {
        w.WriteStartArray("steps");
        foreach (StepResult s in steps)
        {
            w.WriteStartObject();
            w.WriteString("thread", s.Thread);
            w.WriteNumber("cpu", s.Cpu);
            w.WriteString("op", s.Op);
            w.WriteNumber("line", s.Line);
            w.WriteNumber("tlb_shootdown_ipis", s.TlbShootdownIpis);
            w.WriteNumber("pages_freed", s.PagesFreed);
            w.WriteNumber("page_tables_freed", s.PageTablesFreed);
            w.WriteNumber("remote_flush_rounds", s.RemoteFlushRounds);
            w.WriteNumber("page_faults", s.PageFaults);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The <c>violations</c> array: checker, message, seed, step for each (explore's bad runs use it too).</summary>
    public static void WriteViolations(Utf8JsonWriter w, IReadOnlyList<Violation> violations)
    {
        w.WriteStartArray("violations");
        foreach (Violation v in violations)
        {
            w.WriteStartObject();
            w.WriteString("checker", v.Checker);
            w.WriteString("message", v.Message);
            w.WriteNumber("seed", v.Seed);
            w.WriteString("step", v.Step);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
