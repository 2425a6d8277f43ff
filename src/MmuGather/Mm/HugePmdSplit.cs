using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// split_huge_pmd (mm/huge_memory.c): a walker that must act on part of a huge page first
/// turns the PMD that maps it into a PTE table mapping the same 512 base pages, then works
/// on the PTEs. The order is the rule of this project in small: the huge translation is
/// made invalid and flushed from every TLB (pmdp_invalidate) before the table that replaces
/// it is hooked in, so that no CPU ever holds a huge and a base-page translation of the
/// same address at once (the x86 erratum behind 'pmdp_invalidate', and the reason Linux
/// never writes the table over a present huge PMD).
/// <code>
/// CPU0 split (PMD lock held)               CPU1 (user, same mm)
///   pmdp_invalidate: clear + flush   --->    huge entry gone; next access walks,
///                                            finds the PMD empty, faults, waits for
///                                            the PMD lock
///   fill the deposited table (512 PTEs)
///   pmd_populate, unlock             --->    fault retries, finds the table: no new page
/// </code>
/// <para>No checker sees what skipping that flush would break: every later flush of any address
/// in the huge range drops the huge entry too, before any of its frames can be freed; the
/// hazard is a TLB holding two sizes for one address, which the simulated TLB tolerates.</para>
/// <para><b>Where the model departs from Linux:</b> the folio is split together with the
/// mapping. Linux keeps the large folio (PTE-mapped) and queues it for a deferred split;
/// pages unmapped from it stay allocated until then. The model frees each base page when
/// its last reference goes, which changes when memory comes back, not the flushes.</para>
/// </summary>
public sealed class HugePmdSplit(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// __split_huge_pmd for the huge PMD at <paramref name="index"/> of
    /// <paramref name="pmdTable"/> covering <paramref name="address"/> in
    /// <paramref name="vma"/>. Does nothing if the PMD is no longer huge once its lock is
    /// held (another walker split or zapped it first).
    /// </summary>
    public void Split(Vma vma, PtDesc pmdTable, int index, ulong address)
    {
        ulong span = _g.EntrySpan(PageLevel.Pmd);
        ulong haddr = address & ~(span - 1);
        pmdTable.Ptl.Lock();
        if (!Pte.TransHuge(Pte.PtepGet(pmdTable.Entries, index)))
        {
            pmdTable.Ptl.Unlock();
            return;
        }

        RefuseSharedFolio(vma, pmdTable, Pte.Pfn(Pte.PtepGet(pmdTable.Entries, index)), haddr);
        ulong old = kernel.Arch.PmdpInvalidate(vma.Mm, haddr, pmdTable, index);
        PtDesc table = kernel.Faults.WithdrawForSplit(pmdTable, index);
        int head = Pte.Pfn(old);
        kernel.Machine.Memory.SplitHuge(head);
        FillTable(vma.Mm, table, haddr, head, old);
        Pte.SetPteAt(pmdTable.Entries, index, Pte.TableEntry(table.Pfn)); // pmd_populate
        kernel.Counters.Add(Counter.HugePmdSplits);
        pmdTable.Ptl.Unlock();
    }

    /// <summary>
    /// The model splits the folio with its mapping (class comment), which is only right while
    /// the mapping is the folio's one user. A folio pinned by gup_fast or mapped again by a
    /// fork keeps its other references on the head alone, which Linux's large folio does and
    /// the model's base pages cannot: refuse the run rather than miscount them.
    /// </summary>
    private void RefuseSharedFolio(Vma vma, PtDesc pmdTable, int head, ulong haddr)
    {
        PhysicalMemory mem = kernel.Machine.Memory;
        if (mem.RefCount(head) == 1 && mem.MapCount(head) == 1)
        {
            return;
        }

        pmdTable.Ptl.Unlock();
        throw new NotModelledException(
            $"splitting the huge page at 0x{haddr:x} of region '{vma.Name}' while it has other references (pinned by gup_fast, or mapped by another process): split_huge_pmd of a shared or pinned huge page is not modelled");
    }

    /// <summary>
    /// The 512 PTEs that replace the huge PMD: the same frames, rights and Dirty/Accessed
    /// bits, into a table no walker can reach yet (so installing needs no lock of its own).
    /// </summary>
    private void FillTable(MmStruct mm, PtDesc table, ulong haddr, int head, ulong old)
    {
        for (int i = 0; i < table.Entries.Length; i++)
        {
            ulong pte = Pte.PfnPte(head + i, Pte.Write(old));
            pte = Pte.Dirty(old) ? Pte.MkDirty(pte) : pte;
            pte = Pte.Young(old) ? Pte.MkYoung(pte) : pte;
            kernel.Arch.SetPteAt(mm, haddr + ((ulong)i << _g.PageShift), table, i, pte);
        }
    }
}
