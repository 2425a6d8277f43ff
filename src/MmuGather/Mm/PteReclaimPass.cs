namespace MmuGather.Mm;

/// <summary>
/// zap_pte_range's PT_RECLAIM state for one PTE table, kept across the passes the gather
/// forces (each pass drops and retakes the PTE lock).
/// </summary>
public sealed class PteReclaimPass(PtDesc pmdTable, int pmdIndex, ulong start)
{
    public PtDesc PmdTable { get; } = pmdTable;

    public int PmdIndex { get; } = pmdIndex;

    /// <summary>The start of the table's span (the zap covers all of it).</summary>
    public ulong Start { get; } = start;

    /// <summary>
    /// direct_reclaim: still one unbroken hold of the PTE lock over the whole table. Cleared
    /// for good once a pass stops early: the lock is dropped, and a fault may refill entries
    /// the zap already passed.
    /// </summary>
    public bool Direct { get; set; } = true;

    /// <summary>The table the fast path unhooked, to be freed once the PTE lock is dropped.</summary>
    public PtDesc? Cleared { get; set; }
}
