using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Cli;

/// <summary>
/// Turns <c>--strategy</c>, <c>--depth</c> and <c>--pct-steps</c> into the
/// <see cref="RunSettings"/> of one run, with the defaults <c>explore</c> uses, so that a
/// replay of an explored run schedules it exactly as the exploration did.
/// </summary>
public static class RunSettingsResolver
{
    /// <summary>
    /// The settings for <paramref name="invocation"/>: its strategy (else
    /// <paramref name="defaultStrategy"/>); for PCT the depth (default 3) and the step estimate
    /// (default: the scheduling decisions of one turns run of the scenario, as in explore).
    /// </summary>
    public static RunSettings For(Invocation invocation, Scenario scenario, string defaultStrategy)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(scenario);
        string strategy = invocation.Strategy ?? defaultStrategy;
        if (strategy != Strategies.Pct)
        {
            return RunSettings.Default with { Strategy = strategy };
        }

        var explore = new ExploreOptions { Strategy = strategy };
        return RunSettings.Default with
        {
            Strategy = strategy,
            PctDepth = invocation.PctDepth ?? explore.PctDepth,
            PctSteps = invocation.PctSteps ?? Explorer.EstimatePoints(scenario),
        };
    }
}
