using MmuGather.Sim;

namespace MmuGather.Explore;

/// <summary>
/// One explored interleaving that did not run clean: its index, the seed that replays it, and
/// what happened. <paramref name="Violations"/> holds only the first reports (the checkers cap
/// them, so memory stays bounded); <see cref="ViolationsTotal"/> counts every one.
/// </summary>
/// <param name="Index">The run's index; <see cref="PreRunIndex"/> for the turns run that sizes PCT.</param>
/// <param name="Seed">The seed that replays it.</param>
/// <param name="Violations">The first violations reported (empty unless <see cref="Outcome"/> is Violations).</param>
/// <param name="Failure">The broken invariant, the refusal or the internal error, as one line; null for violations.</param>
/// <param name="Points">Its scheduling points.</param>
public sealed record ExploreRun(long Index, ulong Seed, IReadOnlyList<Violation> Violations, string? Failure, long Points)
{
    /// <summary>
    /// The index of PCT's pre-run: one turns-strategy run, before the seeded ones, that counts
    /// the scheduling points PCT spreads its priority changes over.
    /// </summary>
    public const long PreRunIndex = -1;

    /// <summary>Every violation the run reported, including those past <see cref="Violations"/>.</summary>
    public long ViolationsTotal { get; init; } = Violations.Count;

    /// <summary>How it ended (violations unless said otherwise).</summary>
    public ExploreOutcome Outcome { get; init; } = ExploreOutcome.Violations;

    /// <summary>This is PCT's turns pre-run, replayed by <c>mmugather run FILE --seed S</c>, not a seeded PCT run.</summary>
    public bool IsPreRun => Index == PreRunIndex;

    /// <summary>A kernel problem, a broken model or a simulator bug: everything but a refusal.</summary>
    public bool IsBad => Outcome != ExploreOutcome.Refused;
}
