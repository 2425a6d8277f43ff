using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>A finished run plus what the report needs besides the numbers.</summary>
/// <param name="Result">The outcome of the run.</param>
/// <param name="ScenarioFile">The scenario file to name in the replay hint.</param>
/// <param name="SeedOrigin">Where the seed came from: <c>--seed</c>, the scenario file, or the default.</param>
public sealed record RunReport(RunResult Result, string ScenarioFile, string SeedOrigin)
{
    /// <summary>How the run was scheduled (turns unless <c>--strategy</c> said otherwise).</summary>
    public RunSettings Settings { get; init; } = RunSettings.Default;

    /// <summary>The command line that reproduces this run.</summary>
    public string ReplayCommand => ReplayLine.For(ScenarioFile, Result.Seed, Settings);
}
