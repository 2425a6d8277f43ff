using System.Globalization;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Trace;

namespace MmuGather.Cli;

/// <summary>
/// <c>demo</c>, <c>run</c> and <c>replay</c>: load the scenario, run it once under the chosen
/// strategy, write the trace if asked, print the report, pick the exit code. <c>replay</c> is
/// <c>run</c> with the seed required, random as its default strategy (explore's) and
/// <c>--trace</c>; both print the same report.
/// </summary>
public static class ScenarioCommand
{
    /// <summary>
    /// Runs the scenario <paramref name="invocation"/> names. Bad scenario input surfaces as a
    /// <see cref="ScenarioException"/>, a broken model invariant as an
    /// <see cref="InvariantException"/>; <see cref="CliMain"/> reports both.
    /// </summary>
    public static int Execute(Invocation invocation, TextWriter stdout, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(stdout);
        if (invocation.TracePath is { } tracePath)
        {
            TraceFile.Check(tracePath);
        }

        Scenario scenario = Load(invocation);
        RunSettings settings = RunSettingsResolver.For(invocation, scenario, DefaultStrategy(invocation.Command));
        RunResult result = RunOnce(invocation, scenario, settings, progress);
        var report = new RunReport(result, scenario.SourcePath, SeedOrigin(scenario, invocation)) { Settings = settings };
        stdout.Write(Render(invocation.Format, report));
        stdout.Flush();
        return result.Clean && result.Violations.Count == 0 ? ExitCode.Clean : ExitCode.Violation;
    }

    private static RunResult RunOnce(Invocation invocation, Scenario scenario, RunSettings settings, TextWriter? progress)
    {
        Simulation sim = ScenarioRunner.Build(scenario, invocation.Seed, settings);
        sim.Progress = progress is null ? null : new ProgressLine(progress).Report;
        TraceRecorder? recorder = invocation.TracePath is null ? null : TraceRecorder.Attach(sim);
        RunResult result;
        try
        {
            result = sim.Run();
        }
        catch (InvariantException e) when (recorder is not null)
        {
            progress?.Write(ProgressLine.Clear);
            WriteTrace(invocation, scenario, sim, settings, recorder, $"model invariant broken: {e.Step}: {e.Relationship}");
            throw;
        }

        progress?.Write(ProgressLine.Clear);
        if (recorder is not null)
        {
            WriteTrace(invocation, scenario, sim, settings, recorder, Outcome(result));
        }

        return result;
    }

    private static void WriteTrace(Invocation invocation, Scenario scenario, Simulation sim, RunSettings settings, TraceRecorder recorder, string outcome)
    {
        ulong seed = sim.Options.Seed;
        KeyValuePair<string, string>[] metadata =
        [
            new("scenario", scenario.Name),
            new("file", scenario.SourcePath),
            new("seed", seed.ToString(CultureInfo.InvariantCulture)),
            new("strategy", ReplayLine.Describe(settings)),
            new("outcome", outcome),
            new("replay", ReplayLine.For(scenario.SourcePath, seed, settings)),
        ];
        TraceFile.Write(invocation.TracePath!, recorder, metadata);
    }

    private static string Outcome(RunResult result) =>
        result.ViolationsTotal == 0 && result.Violations.Count == 0
            ? "clean"
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(result.ViolationsTotal, result.Violations.Count)} violations");

    private static Scenario Load(Invocation invocation) => invocation.Command switch
    {
        CliCommand.Demo => ScenarioParser.Parse(DemoScenario.Yaml, DemoScenario.RelativePath),
        CliCommand.Run or CliCommand.Replay => ScenarioParser.ParseFile(invocation.File ?? throw new ArgumentException("run needs a file", nameof(invocation))),
        _ => throw new ArgumentException($"'{invocation.Command}' does not run a scenario once", nameof(invocation)),
    };

    private static string DefaultStrategy(CliCommand command) =>
        command == CliCommand.Replay ? CommandSpec.Replay.DefaultStrategy : Strategies.Turns;

    private static string Render(OutputFormat format, RunReport report) => format switch
    {
        OutputFormat.Json => JsonReportWriter.Render(report.Result),
        _ => TextReportWriter.Render(report),
    };

    /// <summary>Where the seed of a run comes from, as the reports say it: --seed, the scenario, or the default.</summary>
    internal static string SeedOrigin(Scenario scenario, Invocation invocation) =>
        invocation.Seed is not null ? "--seed"
        : scenario.Seed is not null ? "from the scenario"
        : "default";
}
