namespace MmuGather.Swarm;

/// <summary>
/// The first failing interleaving of a scenario: what went wrong, and what replays it.
/// <see cref="Key"/> (the outcome and, for a violation, the checker) is what the shrinker must
/// keep; <see cref="Message"/> is the first report in full.
/// </summary>
public sealed record SwarmFailure(SwarmOutcome Outcome, string Key, string Message, string Strategy, ulong Seed, long PctSteps)
{
    /// <summary>The CLI command that replays it, for a scenario saved at <paramref name="file"/>.</summary>
    public string ReplayLine(string file) => Outcome == SwarmOutcome.ParseError
        ? $"mmugather run {file}"
        : Strategy == Sim.Strategies.Pct
            ? $"mmugather replay {file} --seed {Seed} --strategy pct --depth 3 --pct-steps {PctSteps}"
            : $"mmugather replay {file} --seed {Seed} --strategy {Strategy}";

    /// <summary>Same outcome and, for a violation, a report of the same checker.</summary>
    public bool SameKind(SwarmFailure other) => Outcome == other.Outcome && Key == other.Key;
}
