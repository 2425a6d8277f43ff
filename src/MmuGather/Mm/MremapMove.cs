using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// move_page_tables (mm/mremap.c, v6.18; struct pagetable_move_control): move the entries of
/// [oldAddr, oldAddr + len) of <c>old</c> to the same offsets at newAddr, one PMD span at a
/// time, choosing per span:
/// <list type="bullet">
/// <item>move_normal_pud / move_normal_pmd: both addresses aligned to the span and the span
/// whole: the table below is moved by its pointer, under both upper-level locks and the rmap
/// locks in write mode (97113eb39fa7), and the old range flushed before they are dropped;</item>
/// <item>move_huge_pmd: a huge page moved whole, flushed under its PMD lock (5d1904204c99);</item>
/// <item>move_ptes: entry by entry under the old and the new PTE lock.</item>
/// </list>
/// The TLB rule of move_ptes is eb66ae030829 (CVE-2018-18281): once a present entry has
/// moved, the old address must be flushed before the old PTE lock is dropped:
/// <code>
/// CPU0 mremap (mmap lock W)              CPU1 (sibling)        CPU2 writeback (i_mmap R)
///   lock old+new PTL                     TLB: old va -> page,
///   clear old PTE (dirty, writable),       writable, dirty
///   set new PTE
///   flush old range   &lt;- here, the fix
///   unlock                                                     folio_mkclean: new PTE
///                                                              clear + flush new va only,
///                                                              page clean, written
/// [without the fix the flush comes        stores via old va:
///  only at the end of move_page_tables]   page stays clean -> the write is lost
/// </code>
/// With <see cref="FlushApi.Gather"/> the same flushes go through one mmu_gather: each
/// moved entry's old address widens its range, the range is flushed where Linux flushes
/// directly (under the locks), and tlb_finish_mmu ends it.
/// </summary>
internal sealed class MremapMove(Kernel kernel, Vma old, ulong oldAddr, Vma target, ulong newAddr, ulong len)
{
    private readonly Geometry _g = kernel.Geometry;
    private readonly MmStruct _mm = old.Mm;
    private Gather? _tlb;
    private ulong _lateStart = ulong.MaxValue;
    private ulong _lateEnd;

    public void MovePageTables()
    {
        ulong oldEnd = oldAddr + len;
        TryRealignAddr();
        _tlb = kernel.FlushApi == FlushApi.Gather ? Gather.TlbGatherMmu(kernel, _mm) : null;
        while (oldAddr < oldEnd)
        {
            if (_tlb?.MayReschedule ?? true)
            {
                kernel.CondResched(); // not inside the 2.6-era per-CPU gather (preemption off)
            }

            ulong extent = MoveOneExtent(oldEnd);
            oldAddr += extent;
            newAddr += extent;
        }

        if (_lateEnd > _lateStart)
        {
            // Bug switch mremap-late-flush: the pre-eb66ae030829 flush, after every PTE lock is gone.
            Flush(_lateStart, _lateEnd, PageLevel.Pte, gathered: true);
        }

        _tlb?.TlbFinishMmu();
    }

    /// <summary>One round of move_page_tables' loop: returns the extent it dealt with.</summary>
    private ulong MoveOneExtent(ulong oldEnd)
    {
        ulong extent = Extent(PageLevel.Pud, oldEnd);
        if (FindTable(oldAddr, PageLevel.Pud) is not { } oldPud || Pte.None(Pte.PtepGet(oldPud.Entries, _g.Index(oldAddr, PageLevel.Pud))))
        {
            return extent;
        }

        PtDesc newPud = kernel.Faults.AllocTableAt(_mm, newAddr, PageLevel.Pud) ?? throw FailedAllocation();
        if (extent == _g.EntrySpan(PageLevel.Pud) && MoveNormalTable(oldPud, newPud, PageLevel.Pud))
        {
            return extent;
        }

        extent = Extent(PageLevel.Pmd, oldEnd);
        int oi = _g.Index(oldAddr, PageLevel.Pmd);
        PtDesc oldPmd = FindTable(oldAddr, PageLevel.Pmd)!;
        if (Pte.None(Pte.PtepGet(oldPmd.Entries, oi)))
        {
            return extent;
        }

        PtDesc newPmd = kernel.Faults.AllocTableAt(_mm, newAddr, PageLevel.Pmd) ?? throw FailedAllocation();
        int ni = _g.Index(newAddr, PageLevel.Pmd);
        bool whole = extent == _g.EntrySpan(PageLevel.Pmd);
        if (Pte.TransHuge(Pte.PtepGet(oldPmd.Entries, oi)))
        {
            if (whole && MoveHugePmd(oldPmd, oi, newPmd, ni))
            {
                return extent;
            }

            // Part of a huge page, or a populated PMD at the destination: move_page_tables
            // splits the old PMD and moves its PTEs one by one.
            kernel.HugePmdSplit.Split(old, oldPmd, oi, oldAddr);
            if (Pte.None(Pte.PtepGet(oldPmd.Entries, oi)))
            {
                return extent; // zapped meanwhile: nothing left to move
            }
        }

        if (whole && MoveNormalTable(oldPmd, newPmd, PageLevel.Pmd))
        {
            return extent;
        }

        PtDesc newPte = kernel.Faults.PteAllocAt(newPmd, ni) ?? throw FailedAllocation();
        MovePtes(kernel.TableOf(Pte.PtepGet(oldPmd.Entries, oi)), newPte, extent);
        return extent;
    }

    /// <summary>
    /// get_extent: how far the next step may go: to the next boundary of an entry at
    /// <paramref name="level"/> on the old side and on the new side, and no further than the end.
    /// </summary>
    private ulong Extent(int level, ulong oldEnd)
    {
        ulong span = _g.EntrySpan(level);
        ulong extent = ((oldAddr + span) & ~(span - 1)) - oldAddr;
        extent = Math.Min(extent, oldEnd - oldAddr);
        return Math.Min(extent, ((newAddr + span) & ~(span - 1)) - newAddr);
    }

    /// <summary>
    /// try_realign_addr (af8ca1c14906, v6.7): when old and new start at the same offset inside
    /// a PMD span, the range reaches the next boundary and nothing else is mapped below either
    /// start down to the boundary, begin at the boundary so that whole spans move by pointer.
    /// </summary>
    private void TryRealignAddr()
    {
        ulong span = _g.EntrySpan(PageLevel.Pmd);
        ulong offset = oldAddr & (span - 1);
        if (offset == 0 || offset != (newAddr & (span - 1)) || len < span - offset)
        {
            return;
        }

        if (!CanAlignDown(old, oldAddr, span) || !CanAlignDown(target, newAddr, span))
        {
            return;
        }

        oldAddr -= offset;
        newAddr -= offset;
        len += offset;
    }

    private static bool CanAlignDown(Vma vma, ulong addr, ulong span)
    {
        ulong masked = addr & ~(span - 1);
        return vma.Start == addr && !vma.Mm.Vmas.Any(v => v.Start < vma.Start && v.End > masked);
    }

    /// <summary>The table at <paramref name="level"/> covering va (get_old_pud / get_old_pmd); null when a level above is none.</summary>
    private PtDesc? FindTable(ulong va, int level)
    {
        PtDesc table = _mm.Pgd;
        while (table.Level > level)
        {
            ulong e = Pte.PtepGet(table.Entries, _g.Index(va, table.Level));
            if (!Pte.Present(e))
            {
                return null;
            }

            table = kernel.TableOf(e);
        }

        return table;
    }

    /// <summary>
    /// move_normal_pmd / move_normal_pud: move the pointer to the table below, under both
    /// locks of that level (the split PMD lock; page_table_lock for a PUD) and the rmap locks in
    /// write mode, then flush the old span before anything is unlocked. The moved table's
    /// entries are not touched: the hardware simply finds them at the new addresses now.
    /// False when the architecture cannot move tables or the new slot is taken.
    /// </summary>
    private bool MoveNormalTable(PtDesc oldTable, PtDesc newTable, int level)
    {
        int oi = _g.Index(oldAddr, level);
        int ni = _g.Index(newAddr, level);
        if (!kernel.Arch.SupportsPageTableMove || !Pte.None(Pte.PtepGet(newTable.Entries, ni)))
        {
            return false;
        }

        ulong span = _g.EntrySpan(level);
        TakeRmapLocks();
        (var oldLock, var newLock) = level == PageLevel.Pmd ? (oldTable.Ptl, newTable.Ptl) : (_mm.PageTableLock, _mm.PageTableLock);
        oldLock.Lock();
        if (newLock != oldLock)
        {
            newLock.Lock();
        }

        ulong entry = Pte.PtepGet(oldTable.Entries, oi);
        bool moved = Pte.Present(entry) && !Pte.TransHuge(entry); // "Racing with collapse?"
        if (moved)
        {
            Pte.Clear(oldTable.Entries, oi);
            Pte.SetPteAt(newTable.Entries, ni, entry);
            PublishMovedLeaves(kernel.TableOf(entry), oldAddr & ~(span - 1), newAddr & ~(span - 1));
            kernel.Counters.Add(Counter.MremapTablesMoved);

            // flush_tlb_range: a base-page stride over the span (every moved PTE may be cached),
            // not the PMD stride of a huge page; never leaf only on arm64 (ArchMmu override),
            // and a gather marks the moved table so its flush reaches the walk caches too.
            if (_tlb is null)
            {
                kernel.Arch.FlushTlbRange(_mm, oldAddr, oldAddr + span, PageLevel.Pte, freedTables: false);
            }
            else
            {
                _tlb.TableMoved(oldAddr, span);
                _tlb.FlushMmuTlbOnly();
            }
        }

        if (newLock != oldLock)
        {
            newLock.Unlock();
        }

        oldLock.Unlock();
        DropRmapLocks();
        return moved;
    }

    /// <summary>
    /// What the hardware sees when a table moves: every present leaf below it now translates
    /// at its new address, and CPUs may still hold it at the old one until the flush.
    /// </summary>
    private void PublishMovedLeaves(PtDesc table, ulong oldBase, ulong newBase)
    {
        ulong span = _g.EntrySpan(table.Level);
        for (int i = 0; i < table.Entries.Length && i < _g.EntriesAt(table.Level); i++)
        {
            ulong e = table.Entries[i];
            if (!Pte.Present(e))
            {
                continue;
            }

            ulong delta = (ulong)i * span;
            if (table.Level > PageLevel.Pmd || (table.Level == PageLevel.Pmd && !Pte.TransHuge(e)))
            {
                PublishMovedLeaves(kernel.TableOf(e), oldBase + delta, newBase + delta);
                continue;
            }

            kernel.Observer.LeafCleared(_mm.Id, oldBase + delta, table.Level, Pte.Pfn(e));
            kernel.Observer.LeafInstalled(_mm.Id, newBase + delta, table.Level, Pte.Pfn(e));
        }
    }

    /// <summary>
    /// move_huge_pmd: the huge PMD cleared and set at its new slot under both PMD locks, the
    /// deposited PTE table following it, the old span flushed before the locks go
    /// (5d1904204c99). False when the new PMD is not empty.
    /// </summary>
    private bool MoveHugePmd(PtDesc oldPmd, int oi, PtDesc newPmd, int ni)
    {
        if (!Pte.None(Pte.PtepGet(newPmd.Entries, ni)))
        {
            return false;
        }

        oldPmd.Ptl.Lock();
        if (newPmd.Ptl != oldPmd.Ptl)
        {
            newPmd.Ptl.Lock();
        }

        ulong pmd = kernel.Arch.PmdpHugeGetAndClear(_mm, oldAddr, oldPmd, oi, full: false);
        kernel.Faults.MoveDepositedTable(oldPmd, oi, newPmd, ni);
        kernel.Arch.SetPteAt(_mm, newAddr, newPmd, ni, pmd);
        kernel.Counters.Add(Counter.MremapHugePmdsMoved);
        Flush(oldAddr, oldAddr + _g.EntrySpan(PageLevel.Pmd), PageLevel.Pmd, gathered: false); // flush_pmd_tlb_range
        if (newPmd.Ptl != oldPmd.Ptl)
        {
            newPmd.Ptl.Unlock();
        }

        oldPmd.Ptl.Unlock();
        return true;
    }

    /// <summary>
    /// move_ptes: under the old PTE lock and the new one (nested; the write-held mmap lock rules
    /// out the reverse order), in lazy-MMU mode, every entry taken with ptep_get_and_clear and
    /// set at the new address; if one was present, the old range is flushed before either lock
    /// is dropped (eb66ae030829).
    /// </summary>
    private void MovePtes(PtDesc oldPte, PtDesc newPte, ulong extent)
    {
        oldPte.Ptl.Lock();
        kernel.Diag.Assert(!oldPte.Unhooked, "move_ptes found an unhooked PTE table under the write-held mmap lock");
        if (newPte.Ptl != oldPte.Ptl)
        {
            newPte.Ptl.Lock();
        }

        kernel.Arch.EnterLazyMmuMode();
        bool forceFlush = false;
        for (ulong off = 0; off < extent; off += _g.PageSize)
        {
            int oi = _g.Index(oldAddr + off, PageLevel.Pte);
            if (Pte.None(Pte.PtepGet(oldPte.Entries, oi)))
            {
                continue;
            }

            ulong pte = kernel.Arch.PtepGetAndClear(_mm, oldAddr + off, oldPte, oi, full: false);
            kernel.Arch.SetPteAt(_mm, newAddr + off, newPte, _g.Index(newAddr + off, PageLevel.Pte), pte);
            _tlb?.RemoveTlbEntry(oldAddr + off);
            kernel.Counters.Add(Counter.MremapPtesMoved);
            forceFlush = true;
        }

        kernel.Arch.LeaveLazyMmuMode();
        if (forceFlush && kernel.Has(KernelBug.MremapLateFlush))
        {
            (_lateStart, _lateEnd) = (Math.Min(_lateStart, oldAddr), Math.Max(_lateEnd, oldAddr + extent));
        }
        else if (forceFlush)
        {
            Flush(oldAddr, oldAddr + extent, PageLevel.Pte, gathered: true);
        }

        if (newPte.Ptl != oldPte.Ptl)
        {
            newPte.Ptl.Unlock();
        }

        kernel.Observer.PteLockReleased(_mm.Id, oldAddr, oldPte.Pfn);
        oldPte.Ptl.Unlock();
    }

    /// <summary>
    /// The flush of a moved range: flush_tlb_range (flush_pmd_tlb_range for a huge PMD) as 6.18
    /// does, or, with <see cref="FlushApi.Gather"/>, the gather's range flushed at the same
    /// point. <paramref name="gathered"/>: move_ptes already widened the gather by each moved
    /// entry's old address (only those, where flush_tlb_range takes the whole extent); a moved
    /// table or huge PMD is recorded here.
    /// </summary>
    private void Flush(ulong start, ulong end, int level, bool gathered)
    {
        if (_tlb is null)
        {
            kernel.Arch.FlushTlbRange(_mm, start, end, level, freedTables: false);
            return;
        }

        if (!gathered)
        {
            _tlb.FlushLevelRange(level, start, end - start);
        }

        _tlb.FlushMmuTlbOnly();
    }

    /// <summary>take_rmap_locks: i_mmap_rwsem of the file (the model has no anon_vma lock: nothing walks anon rmaps).</summary>
    private void TakeRmapLocks() => old.File?.IMmapRwsem.DownWrite();

    private void DropRmapLocks() => old.File?.IMmapRwsem.UpWrite();

    private NotModelledException FailedAllocation() =>
        new($"mremap of '{old.Name}' could not allocate a page table at 0x{newAddr:x}: moving the entries back (move_page_tables' rollback) is not modelled");
}
