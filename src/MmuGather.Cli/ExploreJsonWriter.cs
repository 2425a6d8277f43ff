using System.Text.Json;
using MmuGather.Explore;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The machine-readable report of <c>explore</c>: one indented JSON object, keys in a fixed
/// order (scenario, file, strategy, seed, pct_depth, pct_steps, runs_requested, runs,
/// runs_with_violations, runs_failed, first_bad_run, stopped_early, scheduling_points,
/// violations_by_checker, wall_seconds, runs_per_second, bad_runs), '\n' line endings and a
/// final newline. Only <c>wall_seconds</c> and <c>runs_per_second</c> depend on the host.
/// </summary>
public static class ExploreJsonWriter
{
    /// <summary>Renders <paramref name="report"/> as JSON text.</summary>
    public static string Render(ExploreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonText.Render(w => WriteReport(w, report));
    }

    private static void WriteReport(Utf8JsonWriter w, ExploreReport report)
    {
        ExploreSummary s = report.Summary;
        w.WriteStartObject();
        w.WriteString("scenario", s.Scenario);
        w.WriteString("file", report.ScenarioFile);
        w.WriteString("strategy", s.Strategy);
        w.WriteNumber("seed", s.BaseSeed);
        WritePct(w, report);
        w.WriteNumber("runs_requested", report.Options.Runs);
        w.WriteNumber("runs", s.RunsDone);
        w.WriteNumber("runs_with_violations", s.RunsWithViolations);
        w.WriteNumber("runs_failed", s.RunsFailed);
        WriteNullable(w, "first_bad_run", s.FirstBadRun);
        w.WriteBoolean("stopped_early", report.StoppedEarly);
        w.WriteNumber("scheduling_points", s.TotalPoints);
        WriteByChecker(w, s.RunsByChecker);
        w.WriteNumber("wall_seconds", Math.Round(s.WallSeconds, 3));
        w.WriteNumber("runs_per_second", Math.Round(s.RunsPerSecond, 1));
        WriteBadRuns(w, report);
        w.WriteEndObject();
    }

    private static void WritePct(Utf8JsonWriter w, ExploreReport report)
    {
        bool pct = report.Settings.Strategy == Strategies.Pct;
        WriteNullable(w, "pct_depth", pct ? report.Settings.PctDepth : null);
        WriteNullable(w, "pct_steps", pct ? report.Settings.PctSteps : null);
    }

    private static void WriteByChecker(Utf8JsonWriter w, IReadOnlyDictionary<string, long> byChecker)
    {
        w.WriteStartObject("violations_by_checker");
        foreach ((string checker, long runs) in byChecker)
        {
            w.WriteNumber(checker, runs);
        }

        w.WriteEndObject();
    }

    private static void WriteBadRuns(Utf8JsonWriter w, ExploreReport report)
    {
        w.WriteStartArray("bad_runs");
        foreach (ExploreRun run in report.Summary.Bad)
        {
            w.WriteStartObject();
            w.WriteNumber("run", run.Index);
            w.WriteNumber("seed", run.Seed);
            w.WriteString("failure", run.Failure);
            w.WriteNumber("scheduling_points", run.Points);
            JsonReportWriter.WriteViolations(w, run.Violations);
            w.WriteString("replay", report.ReplayCommand(run));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
