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

    /// <summary>Some run had a violation or broke a model invariant.</summary>
    public bool FoundProblems => Summary.RunsWithViolations + Summary.RunsFailed > 0;

    /// <summary>Exploration stopped at the first bad run (<c>--stop-on-first</c>).</summary>
    public bool StoppedEarly => Options.StopOnFirst && Summary.FirstBadRun is not null;

    /// <summary>The command that reruns <paramref name="run"/> exactly.</summary>
    public string ReplayCommand(ExploreRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ReplayLine.For(ScenarioFile, run.Seed, Settings);
    }
}
