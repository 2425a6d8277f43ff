namespace MmuGather.Cli.Native.Fuzz;

/// <summary>
/// The comparison of one sequence: the steps paired, and per category the steps that
/// disagree (a step agrees in a category when it is not listed there).
/// </summary>
internal sealed record SequenceVerdict(int Steps, IReadOnlyList<FuzzMismatch> Mismatches)
{
    public bool Agrees => Mismatches.Count == 0;

    public int MismatchesIn(FuzzCategory category) => Mismatches.Count(m => m.Category == category);

    public bool Has(FuzzCategory category) => Mismatches.Any(m => m.Category == category);

    /// <summary>
    /// The category to shrink for: that of the earliest disagreeing step, in the order the steps
    /// ran (<see cref="SequenceComparer"/> lists a step's layout, access, residency, rounds in that order).
    /// </summary>
    public FuzzCategory? First => Mismatches.Count == 0 ? null : Mismatches[0].Category;
}
