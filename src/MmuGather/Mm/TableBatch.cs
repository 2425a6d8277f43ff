namespace MmuGather.Mm;

/// <summary>
/// struct mmu_table_batch: page-table pages unhooked from the tree, to be freed after the
/// flush and (with RCU table freeing) after a grace period. Lives in a page of its own.
/// </summary>
public sealed class TableBatch(int max, int backingPfn)
{
    public int Nr { get; set; }

    public int Max { get; } = max;

    public int BackingPfn { get; } = backingPfn;

    public PtDesc[] Tables { get; } = new PtDesc[max];
}
