using MmuGather.Sim;

namespace MmuGather.Explore;

/// <summary>What <see cref="Explorer"/> runs: how many interleavings, from which seed, how.</summary>
public sealed record ExploreOptions
{
    /// <summary>Every exploration is bounded.</summary>
    public const int MaxRuns = 100_000_000;

    public int Runs { get; init; } = 1000;

    /// <summary>Run i uses the seed <c>SplitMix64.Derive(BaseSeed, i)</c>.</summary>
    public ulong BaseSeed { get; init; } = 1;

    /// <summary>random or pct (turns and time are deterministic: one run says it all).</summary>
    public string Strategy { get; init; } = Strategies.Random;

    /// <summary>Host threads running interleavings side by side; results do not depend on it.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Stop at the first run (lowest index) with a violation.</summary>
    public bool StopOnFirst { get; init; }

    public int PctDepth { get; init; } = 3;

    /// <summary>PCT's k; null: the scheduling points of one turns-strategy run of the scenario.</summary>
    public long? PctSteps { get; init; }

    /// <summary>Runs whose details are kept (the first ones with violations).</summary>
    public int KeepFailing { get; init; } = 20;
}
