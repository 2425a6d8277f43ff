using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// mm/pt_reclaim.c (CONFIG_PT_RECLAIM, 6375e95f381e, v6.14): MADV_DONTNEED frees a PTE table
/// its zap left with all entries none. The table is unhooked under the PMD lock and goes to
/// the gather like any table free_pgtables frees (pte_free_tlb), so the gather's final flush
/// also drops the walk caches before the page can be reused.
/// <code>
/// zapper (mmap lock read)                  faulter (mmap lock read)
/// zap table T, all entries none            walk finds T under the PMD
/// pmd_clear(T) under PMD lock + T's lock   lock T's PTE lock ... pmd no longer points to T:
/// pte_free_tlb(T)                          unlock, walk again, allocate a fresh table
/// </code>
/// The faulter's re-check (<see cref="PtDesc.Unhooked"/>) is what makes it safe to free T
/// although the zapper never holds the mmap lock for write.
/// </summary>
public sealed class PteReclaim(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// reclaim_pt_is_enabled: the caller asked for it (only MADV_DONTNEED does) and the zap
    /// covers the table's whole PMD span; a partly zapped table still maps pages, or may.
    /// </summary>
    public bool IsEnabled(bool reclaimPt, ulong start, ulong end) => reclaimPt && end - start >= _g.EntrySpan(1);

    /// <summary>
    /// try_get_and_clear_pmd, the fast path: the zap went through the whole table in one
    /// hold of its PTE lock, so every entry is none and no fault can have refilled one. The
    /// PMD lock is normally taken before the PTE lock, so here it is only tried: failing
    /// just means the slow path re-checks the table later.
    /// </summary>
    public bool TryGetAndClearPmd(MmStruct mm, PtDesc pmdTable, int index, PtDesc pte, ulong addr)
    {
        if (!pmdTable.Ptl.TryLock())
        {
            return false;
        }

        kernel.Diag.Assert(kernel.TableOf(pmdTable.Entries[index]) == pte, "PMD at 0x{0:x} changed under the PTE lock", addr);
        Unhook(mm, pmdTable, index, pte, addr);
        pmdTable.Ptl.Unlock();
        return true;
    }

    /// <summary>free_pte: hand the unhooked table to the gather (pte_free_tlb sets freed_tables).</summary>
    public void FreePte(Gather tlb, PtDesc pte, ulong addr) => tlb.PteFreeTlb(pte, addr);

    /// <summary>
    /// try_to_free_pte, the slow path: the PTE lock was dropped midway (the gather filled, a
    /// forced flush), or the PMD lock was busy. A racing fault may have refilled entries in
    /// between, so look at all of them again under the PMD lock and the PTE lock (the fix
    /// "mm: pgtable: fix incorrect reclaim of non-empty PTE pages", v6.14-rc3, made the
    /// retry case take this path). The PMD may by now point at another table, or none.
    /// </summary>
    public void TryToFreePte(Gather tlb, PtDesc pmdTable, int index, ulong addr)
    {
        pmdTable.Ptl.Lock();
        ulong pmd = pmdTable.Entries[index];
        if (!Pte.Present(pmd) || Pte.TransHuge(pmd))
        {
            pmdTable.Ptl.Unlock();
            return;
        }

        PtDesc pte = kernel.TableOf(pmd);
        pte.Ptl.Lock();
        bool empty = IsEmpty(pte);
        if (empty)
        {
            Unhook(tlb.Mm, pmdTable, index, pte, addr);
        }

        pte.Ptl.Unlock();
        pmdTable.Ptl.Unlock();
        if (empty)
        {
            FreePte(tlb, pte, addr);
        }
    }

    private static bool IsEmpty(PtDesc pte) => Array.TrueForAll(pte.Entries, Pte.None);

    private void Unhook(MmStruct mm, PtDesc pmdTable, int index, PtDesc pte, ulong addr)
    {
        Pte.Clear(pmdTable.Entries, index);
        pte.Unhooked = true;
        kernel.Counters.Add(Counter.PteTablesReclaimed);
        kernel.Observer.TableUnhooked(mm.Id, addr, pte.Level, pte.Pfn);
    }
}
