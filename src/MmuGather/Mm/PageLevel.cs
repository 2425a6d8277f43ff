namespace MmuGather.Mm;

/// <summary>
/// The page-table levels by name, counted from the leaves as <see cref="PtDesc.Level"/> and
/// <see cref="MmuGather.Machine.Geometry"/> count them. A PMD entry may also be a leaf (a
/// huge page); the levels above it only ever point at tables in this model.
/// </summary>
public static class PageLevel
{
    /// <summary>PTE tables: their entries map base pages.</summary>
    public const int Pte = 0;

    /// <summary>PMD tables: entries point at PTE tables, or map a huge page (THP).</summary>
    public const int Pmd = 1;

    /// <summary>PUD tables.</summary>
    public const int Pud = 2;

    /// <summary>P4D tables (the fourth level; folded at run time on 4-level x86-64).</summary>
    public const int P4d = 3;
}
