namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// One sequence run on both sides: the verdict after any native re-runs, and whether the
/// first comparison already disagreed (<see cref="Found"/>: a rounds difference the re-runs
/// explain as noise is found but not left). <see cref="NotReproduced"/>: differences in a
/// deterministic category (layout, access, residency) the host did not show again when the
/// sequence ran a second time: the host's own variation, reported apart, not left.
/// </summary>
internal sealed record FuzzEvaluation(SequenceVerdict Verdict, bool Found)
{
    public IReadOnlyList<FuzzMismatch> NotReproduced { get; init; } = [];
}
