namespace MmuGather.Swarm;

/// <summary>What a swarm run does: how many scenarios, interleavings per strategy, from which seed, on how many host threads.</summary>
public sealed record SwarmOptions
{
    public int Scenarios { get; init; } = 100;

    /// <summary>Interleavings per strategy (random and pct) of each scenario.</summary>
    public int Runs { get; init; } = 20;

    /// <summary>Scenario i is generated from <c>SplitMix64.Derive(Seed, i)</c>, and explored from that seed too.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Host threads; each takes every J-th scenario. Results do not depend on it.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Where failing scenarios (as generated, and shrunk) are written; null: nowhere.</summary>
    public string? OutDir { get; init; }

    /// <summary>Bug switches added to every scenario (to show the swarm fails with one on); normally none.</summary>
    public IReadOnlyList<string> Bugs { get; init; } = [];

    /// <summary>
    /// Wall-clock budget: no scenario is started after it, and the summary covers those that
    /// ran (null: none). A long run on a shared machine then still ends with its figures.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Variants the shrinker may try per failure (0: do not shrink).</summary>
    public int ShrinkBudget { get; init; } = 150;
}
