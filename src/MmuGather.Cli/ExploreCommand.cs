using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// <c>explore</c>: runs the scenario under many seeded interleavings (<see cref="Explorer"/>),
/// prints the summary and each kept bad or refused run with the command that replays it, and
/// exits by <see cref="ExploreReport.ExitCode"/>: 3 if any run raised (a simulator bug), else 1
/// if any had a violation or broke a model invariant, else 2 if any was refused, else 0.
/// </summary>
public static class ExploreCommand
{
    /// <summary>The defaults: 1000 runs, base seed from the scenario else 1, random walk, one job.</summary>
    public static int Execute(Invocation invocation, TextWriter stdout, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(stdout);
        Scenario scenario = ScenarioParser.ParseFile(invocation.File ?? throw new ArgumentException("explore needs a file", nameof(invocation)));
        ExploreOptions options = OptionsFor(invocation, scenario);
        ExploreProgress? line = progress is null ? null : new ExploreProgress(progress, options.Runs);
        ExploreSummary summary;
        try
        {
            summary = Explorer.Explore(scenario, options, line is null ? null : line.Report);
        }
        finally
        {
            line?.Clear();
        }

        var report = new ExploreReport(summary, scenario.SourcePath, options);
        stdout.Write(invocation.Format == OutputFormat.Json ? ExploreJsonWriter.Render(report) : ExploreTextWriter.Render(report));
        stdout.Flush();
        return report.ExitCode;
    }

    private static ExploreOptions OptionsFor(Invocation invocation, Scenario scenario)
    {
        var defaults = new ExploreOptions();
        return defaults with
        {
            Runs = invocation.Runs ?? defaults.Runs,
            BaseSeed = invocation.Seed ?? scenario.Seed ?? ScenarioRunner.DefaultSeed,
            Strategy = invocation.Strategy ?? Strategies.Random,
            Jobs = invocation.Jobs ?? defaults.Jobs,
            StopOnFirst = invocation.StopOnFirst,
            PctDepth = invocation.PctDepth ?? defaults.PctDepth,
            PctSteps = invocation.PctSteps,
        };
    }
}
