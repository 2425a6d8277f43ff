using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary><c>demo</c> and <c>run</c>: load the scenario, run it, print the report, pick the exit code.</summary>
public static class ScenarioCommand
{
    /// <summary>
    /// Runs the scenario <paramref name="invocation"/> names. Bad scenario input surfaces as a
    /// <see cref="ScenarioException"/>, a broken model invariant as an
    /// <see cref="MmuGather.Machine.InvariantException"/>; <see cref="CliMain"/> reports both.
    /// </summary>
    public static int Execute(Invocation invocation, TextWriter stdout, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(stdout);
        Scenario scenario = Load(invocation);
        RunResult result = ScenarioRunner.Run(scenario, invocation.Seed, progress is null ? null : new ProgressLine(progress).Report);
        progress?.Write(ProgressLine.Clear);
        stdout.Write(Render(invocation.Format, new RunReport(result, scenario.SourcePath, SeedOrigin(scenario, invocation))));
        stdout.Flush();
        return result.Clean && result.Violations.Count == 0 ? ExitCode.Clean : ExitCode.Violation;
    }

    private static Scenario Load(Invocation invocation) => invocation.Command switch
    {
        CliCommand.Demo => ScenarioParser.Parse(DemoScenario.Yaml, DemoScenario.RelativePath),
        CliCommand.Run => ScenarioParser.ParseFile(invocation.File ?? throw new ArgumentException("run needs a file", nameof(invocation))),
        _ => throw new ArgumentException($"'{invocation.Command}' does not run a scenario", nameof(invocation)),
    };

    private static string Render(OutputFormat format, RunReport report) => format switch
    {
        OutputFormat.Json => JsonReportWriter.Render(report.Result),
        _ => TextReportWriter.Render(report),
    };

    private static string SeedOrigin(Scenario scenario, Invocation invocation) =>
        invocation.Seed is not null ? "--seed"
        : scenario.Seed is not null ? "from the scenario"
        : "default";
}
