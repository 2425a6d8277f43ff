using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// Writeback of a file's dirty pages (folio_clear_dirty_for_io, then the write). Before a
/// mapped page is cleaned, folio_mkclean walks the reverse map under i_mmap_rwsem: each PTE
/// mapping it is cleared, flushed from every TLB, and put back write-protected and clean, so
/// the next store faults and dirties the page again. A page whose rmap says "not mapped" is
/// cleaned without that walk; that is why a zap must not drop the rmap of a dirty shared page
/// before its TLB flush (Linux 5df397dec7c4; see <see cref="KernelBug.EarlyRmap"/>).
/// <code>
/// CPU0 zap (holds PTL): clear PTE, page dirty;   CPU2 writeback: folio_mkclean
///      rmap kept until the flush                       finds the vma, waits for the PTL
///      flush, then rmap, then drop the PTL             ... no stale entry left anywhere
///                                                       clear dirty, write the page
/// </code>
/// </summary>
public sealed class Writeback(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>Writes back every dirty page of <paramref name="file"/>; returns how many were written.</summary>
    public int WriteFile(SimFile file)
    {
        int written = 0;
        foreach (var (pgoff, pfn) in file.Pages.ToList())
        {
            if (!kernel.Machine.Memory.IsDirty(pfn))
            {
                continue;
            }

            // folio_clear_dirty_for_io under the folio lock: a write fault waits for it, so no
            // store can dirty the page between the mkclean and the clear and be lost.
            var folioLock = file.FolioLock(pgoff);
            folioLock.Lock();
            if (kernel.Machine.Memory.IsDirty(pfn))
            {
                if (kernel.Machine.Memory.MapCount(pfn) > 0)
                {
                    MkClean(file, pgoff, pfn);
                }

                kernel.Machine.Memory.ClearDirty(pfn);
                kernel.Observer.PageCleaned(pfn);
                kernel.Counters.Add(Counter.WritebackPages);
                written++;
            }

            folioLock.Unlock();
            kernel.CondResched();
        }

        return written;
    }

    /// <summary>folio_mkclean: write-protect and clean every PTE mapping the page, through the rmap.</summary>
    private void MkClean(SimFile file, long pgoff, int pfn)
    {
        file.IMmapRwsem.DownRead();
        foreach (Vma vma in file.Mappings.ToList())
        {
            long pages = (long)((vma.End - vma.Start) >> _g.PageShift);
            if (pgoff >= vma.PgOff && pgoff < vma.PgOff + pages)
            {
                MkCleanOne(vma, vma.Start + ((ulong)(pgoff - vma.PgOff) << _g.PageShift), pfn);
            }
        }

        file.IMmapRwsem.UpRead();
    }

    /// <summary>page_mkclean_one: under the PTE lock, clear + flush + reinstall clean and read-only.</summary>
    private void MkCleanOne(Vma vma, ulong addr, int pfn)
    {
        PtDesc? pte = FindPteTable(vma.Mm, addr);
        if (pte is null)
        {
            return;
        }

        int index = _g.Index(addr, PageLevel.Pte);
        pte.Ptl.Lock();
        if (pte.Unhooked)
        {
            // page_vma_mapped_walk found the table before PT_RECLAIM unhooked it (pmd_same
            // fails under the lock): walk again from the top.
            pte.Ptl.Unlock();
            kernel.Counters.Add(Counter.PteTableRetries);
            MkCleanOne(vma, addr, pfn);
            return;
        }

        ulong cur = Pte.PtepGet(pte.Entries, index);
        if (Pte.Present(cur) && Pte.Pfn(cur) == pfn && (Pte.Write(cur) || Pte.Dirty(cur)))
        {
            // ptep_clear_flush: the entry must be gone from every TLB before it comes back
            // clean, or a CPU keeps storing through its cached dirty, writable copy.
            ulong old = kernel.Arch.PtepClearFlush(vma.Mm, addr, pte, index);
            kernel.Arch.SetPteAt(vma.Mm, addr, pte, index, Pte.MkClean(Pte.WrProtect(old)));
            kernel.Counters.Add(Counter.MkCleanPtes);
        }

        pte.Ptl.Unlock();
    }

    /// <summary>The PTE table mapping addr in mm, found as page_vma_mapped_walk does (no lock above the PTE level).</summary>
    private PtDesc? FindPteTable(MmStruct mm, ulong addr)
    {
        PtDesc table = mm.Pgd;
        for (int level = _g.Levels - 1; level > 0; level--)
        {
            ulong e = table.Entries[_g.Index(addr, level)];
            if (!Pte.Present(e) || (level == 1 && Pte.TransHuge(e)))
            {
                return null;
            }

            table = kernel.TableOf(e);
        }

        return table;
    }
}
