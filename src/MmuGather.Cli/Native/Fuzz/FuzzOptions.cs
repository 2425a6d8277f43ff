namespace MmuGather.Cli.Native.Fuzz;

/// <summary>What <c>validate --generate</c> was asked for.</summary>
/// <param name="Sequences">How many sequences to generate and run.</param>
/// <param name="Seed">The base seed: sequence i is drawn from <see cref="SequenceGenerator.SeedOf"/>(Seed, i).</param>
/// <param name="OutDir">Where shrunk mismatches are saved.</param>
internal sealed record FuzzOptions(int Sequences, ulong Seed, string OutDir)
{
    public const string DefaultOutDir = "fuzz-mismatches";

    /// <summary>Re-runs of the host for a sequence whose rounds disagree (noise is judged over all its runs).</summary>
    public const int RoundsReruns = 2;

    /// <summary>Mismatching sequences shrunk per category; the rest are counted only (a shrink costs up to <see cref="ShrinkBudget"/> runs of both sides).</summary>
    public int MaxShrinksPerCategory { get; init; } = 10;

    /// <summary>Distinct shrunk scenarios saved per category (one that shrinks to a saved one is counted as a duplicate).</summary>
    public int MaxSavedPerCategory { get; init; } = 5;

    /// <summary>The most candidates one shrink tries.</summary>
    public int ShrinkBudget { get; init; } = SequenceShrinker.DefaultBudget;

    /// <summary>Progress lines are written at most this often.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(10);
}
