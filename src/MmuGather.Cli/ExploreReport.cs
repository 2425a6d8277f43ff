using MmuGather.Explore;
using MmuGather.Scenarios;

namespace MmuGather.Cli;

/// <summary>A finished exploration plus what its report needs: the file to name and the options that shaped every run.</summary>
/// <param name="Summary">What the explorer found.</param>
/// <param name="ScenarioFile">The scenario file as given, for the replay commands.</param>
/// <param name="Options">The exploration's options (strategy, PCT depth, stop on first).</param>
public sealed record ExploreReport(ExploreSummary Summary, string ScenarioFile, ExploreOptions Options)
{
    /// <summary>The settings of every explored run, so each replay command is exact.</summary>
    public RunSettings Settings => Explorer.SettingsFor(Options, Math.Max(1, Summary.PctSteps));

    /// <summary>Some run had a violation, broke a model invariant or raised.</summary>
    public bool FoundProblems => Summary.RunsWithViolations + Summary.RunsFailed + Summary.RunsInternalError > 0;

    /// <summary>Exploration stopped at the first bad run (<c>--stop-on-first</c>).</summary>
    public bool StoppedEarly => Options.StopOnFirst && Summary.FirstBadRun is not null;

    /// <summary>
    /// The exit code of the whole exploration, by precedence: a simulator bug in any run (3)
    /// hides everything else, a violation or broken invariant (1) matters more than a refused
    /// run (2), and only an exploration with neither is clean (0).
    /// </summary>
    public int ExitCode => Summary switch
    {
        { RunsInternalError: > 0 } => Cli.ExitCode.InternalError,
        _ when FoundProblems => Cli.ExitCode.Violation,
        { RunsRefused: > 0 } => Cli.ExitCode.BadInput,
        _ => Cli.ExitCode.Clean,
    };

    /// <summary>The bad runs: with violations, failed or with an internal error (refused runs are not).</summary>
    public long BadRuns => Summary.RunsWithViolations + Summary.RunsFailed + Summary.RunsInternalError;

    /// <summary>The command that reruns <paramref name="run"/> exactly.</summary>
    public string ReplayCommand(ExploreRun run)
    {
        ArgumentNullException.ThrowIfNull(run);

        // PCT's pre-run is a turns run of the scenario's own seed: run replays it.
        return ReplayLine.For(ScenarioFile, run.Seed, run.IsPreRun ? RunSettings.Default : Settings);
    }

    /// <summary>The strategy <paramref name="run"/> ran under: the exploration's, or turns for PCT's pre-run.</summary>
    public string StrategyOf(ExploreRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.IsPreRun ? RunSettings.Default.Strategy : Settings.Strategy;
    }
}
