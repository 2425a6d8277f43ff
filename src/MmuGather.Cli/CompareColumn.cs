namespace MmuGather.Cli;

/// <summary>
/// One column of the <c>compare</c> table. Invariant: <see cref="Key"/> is a counter of the
/// run report (<c>tlb_shootdown_ipis</c>, ...) or one of the two figures compare derives,
/// <see cref="CompareColumns.PagesPerFlush"/> and <see cref="CompareColumns.Violations"/>,
/// so the text and JSON reports name each figure the way <c>run</c> does.
/// </summary>
/// <param name="Key">The counter (or derived figure) the column shows; the JSON key.</param>
/// <param name="Header">The short heading of the text table.</param>
/// <param name="Meaning">What it counts, for the legend under the text table.</param>
public sealed record CompareColumn(string Key, string Header, string Meaning);
