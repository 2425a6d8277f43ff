using System.Text.Json;
using MmuGather.Explore;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// The machine-readable report of <c>explore</c>: one indented JSON object, keys in a fixed
/// order (scenario, file, strategy, seed, pct_depth, pct_steps, runs_requested, runs,
/// runs_with_violations, runs_failed, first_bad_run, stopped_early, scheduling_points,
/// violations_by_checker, wall_seconds, runs_per_second, bad_runs, then the later additions
/// runs_refused, runs_internal_error, refused_runs), '\n' line endings and a final newline. Only <c>wall_seconds</c> and <c>runs_per_second</c> depend on the host.
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

        // Added after the first release: appended, so existing readers see the same prefix.
        w.WriteNumber("runs_refused", s.RunsRefused);
        w.WriteNumber("runs_internal_error", s.RunsInternalError);
        WriteRefusedRuns(w, report);
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
            WriteRunAdditions(w, report, run);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Per-run fields added later: how it ended, its strategy (turns for PCT's pre-run), every violation counted.</summary>
    private static void WriteRunAdditions(Utf8JsonWriter w, ExploreReport report, ExploreRun run)
    {
        w.WriteString("outcome", OutcomeName(run.Outcome));
        w.WriteString("strategy", report.StrategyOf(run));
        w.WriteNumber("violations_total", run.ViolationsTotal);
    }

    private static void WriteRefusedRuns(Utf8JsonWriter w, ExploreReport report)
    {
        w.WriteStartArray("refused_runs");
        foreach (ExploreRun run in report.Summary.Refused)
        {
            w.WriteStartObject();
            w.WriteNumber("run", run.Index);
            w.WriteNumber("seed", run.Seed);
            w.WriteString("strategy", report.StrategyOf(run));
            w.WriteString("refusal", run.Failure);
            w.WriteNumber("scheduling_points", run.Points);
            w.WriteString("replay", report.ReplayCommand(run));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string OutcomeName(ExploreOutcome outcome) => outcome switch
    {
        ExploreOutcome.Violations => "violations",
        ExploreOutcome.Failed => "failed",
        ExploreOutcome.Refused => "refused",
        _ => "internal_error",
    };

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
