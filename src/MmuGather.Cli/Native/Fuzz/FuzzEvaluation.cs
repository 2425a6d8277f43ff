namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// One sequence run on both sides: the verdict after any native re-runs, and whether the
/// first comparison already disagreed (<see cref="Found"/>: a rounds difference the re-runs
/// explain as noise is found but not left).
/// </summary>
internal sealed record FuzzEvaluation(SequenceVerdict Verdict, bool Found);
