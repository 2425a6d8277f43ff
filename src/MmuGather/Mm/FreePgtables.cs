using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// free_pgtables / free_pgd_range: after the vmas' pages are zapped, unhook and free the
/// page-table pages that no remaining vma needs. A table is freed only if the whole span it
/// maps lies inside [floor, ceiling), the gap left by neighbouring vmas; each unhooked table
/// goes to the gather (pte_free_tlb and friends), never straight back to the allocator.
/// </summary>
public sealed class FreePgtables(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// free_pgtables: the vmas (already detached, in address order) lie between floor and
    /// ceiling (0 ceiling: the top of the address space, USER_PGTABLES_CEILING).
    /// Vmas closer than a PMD apart are freed in one sweep.
    /// </summary>
    public void Free(Gather tlb, IReadOnlyList<Vma> vmas, ulong floor, ulong ceiling)
    {
        // unlink_file_vma: rmap walkers (writeback) must stop finding a vma before its tables
        // go; they hold i_mmap_rwsem for read while they walk them.
        foreach (Vma vma in vmas)
        {
            UnlinkFileVma(vma);
        }

        int i = 0;
        while (i < vmas.Count)
        {
            ulong addr = vmas[i].Start;
            ulong end = vmas[i].End;
            int j = i + 1;
            while (j < vmas.Count && vmas[j].Start <= end + _g.EntrySpan(1))
            {
                end = vmas[j].End;
                j++;
            }

            // The floor stays the caller's for every group: the vmas before this group are
            // being freed too, so the tables they shared with it are this group's to free.
            ulong nextCeiling = j < vmas.Count ? vmas[j].Start : ceiling;
            FreePgdRange(tlb, addr, end, floor, nextCeiling);
            i = j;
        }
    }

    /// <summary>free_pgd_range: trim [addr, end) to whole PMD spans inside the gap, then walk.</summary>
    public void FreePgdRange(Gather tlb, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        ulong pmdMask = ~(_g.EntrySpan(1) - 1);
        ulong pmdSize = _g.EntrySpan(1);

        // Only whole PTE tables (PMD spans) can be freed: round inwards, respecting the gap.
        addr &= pmdMask;
        if (addr < floor)
        {
            addr += pmdSize;
            if (addr == 0)
            {
                return;
            }
        }

        if (ceiling != 0)
        {
            ceiling &= pmdMask;
            if (ceiling == 0)
            {
                return;
            }
        }

        if (end - 1 > ceiling - 1)
        {
            end -= pmdSize;
        }

        if (addr > end - 1)
        {
            return;
        }

        FreeLevelRange(tlb, tlb.Mm.Pgd, addr, end, floor, ceiling);
        if (kernel.Arch.FoldsP4dAtRunTime)
        {
            FreeFoldedP4ds(tlb, addr, end, floor, ceiling);
        }
    }

    /// <summary>The end of free_p4d_range for each PGD slot of [addr, end), on a run-time folded p4d (see <see cref="ArchMmu.FoldsP4dAtRunTime"/>).</summary>
    private void FreeFoldedP4ds(Gather tlb, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        int pgd = _g.Levels - 1;
        do
        {
            ulong next = _g.AddrEnd(addr, end, pgd);
            if (CoversWholeSpanOf(_g.EntrySpan(pgd), addr, next, floor, ceiling))
            {
                tlb.FoldedTableFreed(addr & ~(_g.EntrySpan(pgd) - 1));
            }

            addr = next;
        }
        while (addr != end);
    }

    /// <summary>
    /// free_p4d/pud/pmd_range in one: free the tables below each present entry of
    /// <paramref name="table"/> in [addr, end); the caller decides about this table itself.
    /// </summary>
    private void FreeLevelRange(Gather tlb, PtDesc table, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        int level = table.Level;
        do
        {
            ulong next = _g.AddrEnd(addr, end, level);
            int index = _g.Index(addr, level);
            ulong entry = table.Entries[index];
            if (Pte.Present(entry))
            {
                kernel.Diag.Assert(!(level == 1 && Pte.TransHuge(entry)), "huge pmd at 0x{0:x} still mapped while freeing page tables", addr);
                PtDesc child = kernel.TableOf(entry);
                if (level > 1)
                {
                    FreeLevelRange(tlb, child, addr, next, floor, ceiling);
                }

                if (level == 1 || CoversWholeSpan(child, addr, next, floor, ceiling))
                {
                    Unhook(tlb, table, index, child, addr);
                }
            }

            addr = next;
        }
        while (addr != end);
    }

    /// <summary>Whether the span <paramref name="child"/> maps lies inside the gap, so no one else needs it.</summary>
    private bool CoversWholeSpan(PtDesc child, ulong start, ulong end, ulong floor, ulong ceiling) =>
        CoversWholeSpanOf(_g.TableSpan(child.Level), start, end, floor, ceiling);

    private static bool CoversWholeSpanOf(ulong span, ulong start, ulong end, ulong floor, ulong ceiling)
    {
        // Mirrors the checks at the end of free_pmd_range / free_pud_range / free_p4d_range.
        ulong mask = ~(span - 1);
        ulong s = start & mask;
        if (s < floor)
        {
            return false;
        }

        if (ceiling != 0)
        {
            ceiling &= mask;
            if (ceiling == 0)
            {
                return false;
            }
        }

        return end - 1 <= ceiling - 1;
    }

    private void Unhook(Gather tlb, PtDesc parent, int index, PtDesc child, ulong addr)
    {
        // pmd_clear / pud_clear / p4d_clear, then hand the table to the gather.
        Pte.Clear(parent.Entries, index);
        child.Unhooked = true;
        kernel.Observer.TableUnhooked(tlb.Mm.Id, addr, child.Level, child.Pfn);
        tlb.FreeTableTlb(child, addr);
    }

    private static void UnlinkFileVma(Vma vma)
    {
        if (vma.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            file.Mappings.Remove(vma);
            file.IMmapRwsem.UpWrite();
        }
    }
}
