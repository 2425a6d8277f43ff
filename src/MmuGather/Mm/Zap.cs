using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// The unmap half of mm/memory.c: unmap_vmas, unmap_page_range, zap_pud/pmd/pte_range,
/// zap_huge_pmd. Walks the page tables of a range, clears each leaf entry under its lock,
/// tells the gather (range, pages) and lets the gather decide when to flush.
/// </summary>
public sealed class Zap(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;
    private readonly PteReclaim _reclaim = new(kernel);

    /// <summary>unmap_vmas: zap [start, end) in every vma of <paramref name="vmas"/>.</summary>
    public void UnmapVmas(Gather tlb, IReadOnlyList<Vma> vmas, ulong start, ulong end)
    {
        foreach (Vma vma in vmas)
        {
            UnmapSingleVma(tlb, vma, start, end);
        }
    }

    /// <summary>
    /// unmap_single_vma: the part of [start, end) inside <paramref name="vma"/>.
    /// <paramref name="reclaimPt"/>: zap_details.reclaim_pt, set by MADV_DONTNEED only (munmap
    /// and exit free the tables in free_pgtables instead).
    /// </summary>
    public void UnmapSingleVma(Gather tlb, Vma vma, ulong start, ulong end, bool reclaimPt = false)
    {
        ulong s = Math.Max(vma.Start, start);
        ulong e = Math.Min(vma.End, end);
        if (s >= e)
        {
            return;
        }

        UnmapPageRange(tlb, vma, s, e, reclaimPt);
    }

    /// <summary>unmap_page_range: tlb_start_vma, the table walk, tlb_end_vma.</summary>
    public void UnmapPageRange(Gather tlb, Vma vma, ulong addr, ulong end, bool reclaimPt = false)
    {
        kernel.Diag.Assert(addr < end && (addr & ~_g.PageMask) == 0 && (end & ~_g.PageMask) == 0, "unaligned zap [0x{0:x}, 0x{1:x})", addr, end);
        tlb.StartVma(vma);
        ZapUpperRange(tlb, vma, vma.Mm.Pgd, addr, end, reclaimPt);
        tlb.EndVma(vma);
    }

    /// <summary>zap_p4d_range / zap_pud_range: descend through the levels above the PMD.</summary>
    private void ZapUpperRange(Gather tlb, Vma vma, PtDesc table, ulong addr, ulong end, bool reclaimPt)
    {
        int level = table.Level;
        if (level == 1)
        {
            ZapPmdRange(tlb, vma, table, addr, end, reclaimPt);
            return;
        }

        do
        {
            ulong next = _g.AddrEnd(addr, end, level);
            ulong entry = table.Entries[_g.Index(addr, level)];
            if (Pte.Present(entry))
            {
                ZapUpperRange(tlb, vma, kernel.TableOf(entry), addr, next, reclaimPt);
            }

            addr = next;
        }
        while (addr != end);
    }

    /// <summary>
    /// zap_pmd_range: huge PMDs are zapped whole; PTE tables are zapped, retried while the
    /// gather fills; a reschedule point after each PMD (97a894136f29, part of the 2011
    /// series), unless the gather forbids it (<see cref="Gather.MayReschedule"/>).
    /// </summary>
    private void ZapPmdRange(Gather tlb, Vma vma, PtDesc pmdTable, ulong addr, ulong end, bool reclaimPt)
    {
        do
        {
            ulong next = _g.AddrEnd(addr, end, 1);
            int index = _g.Index(addr, 1);
            ulong pmd = Pte.PtepGet(pmdTable.Entries, index);
            if (Pte.TransHuge(pmd) && next - addr != _g.EntrySpan(PageLevel.Pmd))
            {
                // Part of a huge page: split the PMD, then zap the PTEs of the part.
                kernel.HugePmdSplit.Split(vma, pmdTable, index, addr);
                pmd = Pte.PtepGet(pmdTable.Entries, index);
            }

            if (Pte.TransHuge(pmd))
            {
                if (ZapHugePmd(tlb, vma, pmdTable, index, addr))
                {
                    pmd = 0;
                }
                else
                {
                    // Another zapper took it first; a fault may have put a PTE table there since.
                    pmd = Pte.PtepGet(pmdTable.Entries, index);
                }
            }

            if (Pte.Present(pmd) && !Pte.TransHuge(pmd))
            {
                ZapPteTable(tlb, vma, pmdTable, index, addr, next, reclaimPt);
            }

            if (tlb.MayReschedule)
            {
                kernel.CondResched();
            }

            addr = next;
        }
        while (addr != end);
    }

    /// <summary>
    /// zap_pte_range's retries and its PT_RECLAIM tail: zap [addr, next) of the PTE table under
    /// PMD entry <paramref name="index"/>, pass after pass while the gather fills up, then,
    /// for MADV_DONTNEED over the whole table, free the table if the zap left it empty.
    /// Each pass reads the PMD again: another zapper's reclaim may have unhooked the table
    /// (and a fault hooked a fresh one) while the lock was dropped.
    /// </summary>
    private void ZapPteTable(Gather tlb, Vma vma, PtDesc pmdTable, int index, ulong addr, ulong next, bool reclaimPt)
    {
        PteReclaimPass? reclaim = _reclaim.IsEnabled(reclaimPt, addr, next) ? new PteReclaimPass(pmdTable, index, addr) : null;
        ulong at = addr;
        int bound = (int)((next - addr) >> _g.PageShift) + 2;
        while (at != next && bound-- > 0)
        {
            ulong pmd = Pte.PtepGet(pmdTable.Entries, index);
            if (!Pte.Present(pmd) || Pte.TransHuge(pmd))
            {
                return; // reclaimed by another zapper: nothing left to zap, nothing to free
            }

            PtDesc table = kernel.TableOf(pmd);
            ulong stopped = ZapPteRange(tlb, vma, table, at, next, reclaim);
            if (stopped == at && table.Unhooked)
            {
                // Another zapper's reclaim took the table (pte_offset_map_lock failed): Linux
                // returns from zap_pte_range and zap_pmd_range calls it afresh for what is
                // left, so the reclaim decision starts over from here.
                reclaim = _reclaim.IsEnabled(reclaimPt, at, next) ? new PteReclaimPass(pmdTable, index, at) : null;
            }

            at = stopped;
        }

        kernel.Diag.Assert(at == next, "zap_pte_range made no progress");
        if (reclaim is null)
        {
            return;
        }

        if (reclaim.Cleared is { } cleared)
        {
            _reclaim.FreePte(tlb, cleared, addr);
        }
        else
        {
            _reclaim.TryToFreePte(tlb, pmdTable, index, addr);
        }
    }

    /// <summary>
    /// zap_pte_range: clear the PTEs of one table under its split lock. Returns where it
    /// stopped: <paramref name="end"/>, or earlier when the gather filled up (force_break).
    /// <code>
    /// ptl held:   clear PTE, record range, queue page     (nothing freed yet)
    ///             ...gather full, or a dirty shared page's rmap was delayed...
    ///             flush TLB, then remove delayed rmaps     (still under ptl: writeback
    ///                                                       cannot find the page mapped
    ///                                                       while a stale writable TLB
    ///                                                       entry lives, 5df397dec7c4)
    /// ptl dropped: free the pages (may sleep between chunks)
    /// </code>
    /// The 2.6-era gather (<see cref="GatherMode.PerCpu26"/>) instead flushes and frees a full
    /// gather under the lock and carries on to <paramref name="end"/> (<see cref="Gather.FreesUnderPtl"/>).
    /// </summary>
    public ulong ZapPteRange(Gather tlb, Vma vma, PtDesc pte, ulong addr, ulong end, PteReclaimPass? reclaim = null)
    {
        bool forceFlush = false;
        bool forceBreak = false;
        pte.Ptl.Lock();
        if (pte.Unhooked)
        {
            // pte_offset_map_lock's pmd_same re-check failed: PT_RECLAIM took the table.
            pte.Ptl.Unlock();
            kernel.Counters.Add(Counter.PteTableRetries);
            return addr;
        }

        kernel.Arch.EnterLazyMmuMode();
        do
        {
            int index = _g.Index(addr, 0);
            ulong ptent = Pte.PtepGet(pte.Entries, index);
            if (Pte.None(ptent))
            {
                addr += _g.PageSize;
                continue;
            }

            bool full = ZapPresentPte(tlb, vma, pte, index, addr, ref forceFlush);
            if (full && kernel.Has(KernelBug.FullBatchRange))
            {
                tlb.ExcludeFromRange(addr);
            }

            addr += _g.PageSize;
            if (full)
            {
                kernel.Counters.Add(Counter.GatherForcedFlushes);
                if (tlb.FreesUnderPtl)
                {
                    // 2.6-era tlb_remove_page: flush and free right here, lock held, and go on.
                    tlb.FlushFullUnderPtl(vma);
                    continue;
                }

                forceFlush = true;
                forceBreak = true;
                break;
            }
        }
        while (addr != end);

        if (reclaim is not null)
        {
            TryDirectReclaim(vma.Mm, pte, reclaim, forceBreak, addr == end);
        }

        kernel.Arch.LeaveLazyMmuMode();

        // Do the actual TLB flush before dropping the PTE lock. It covers exactly the range the
        // gather recorded up to the entry that filled it, then resets it, so the next round
        // starts empty (e6c495a96ce0 fixed a forced flush here that covered the wrong range).
        if (forceFlush)
        {
            tlb.FlushMmuTlbOnly();
            tlb.FlushRmaps(vma);
        }

        if (forceFlush && kernel.Has(KernelBug.FlushUnderPtl))
        {
            tlb.FlushMmu();
        }

        kernel.Observer.PteLockReleased(vma.Mm.Id, end - 1, pte.Pfn); // added with powerpc hash: for hash-after-unlock
        pte.Ptl.Unlock();

        // Free the batched pages outside the lock: freeing may reschedule.
        if (forceFlush)
        {
            tlb.FlushMmu();
        }

        return addr;
    }

    /// <summary>
    /// The fast path of PT_RECLAIM, still under the PTE lock: if this pass went through the
    /// whole table in one hold of the lock, every entry is none, so unhook the table now.
    /// A pass that stopped early (force_break) leaves it to the slow path, which looks again:
    /// the lock is about to be dropped for the flush, and a fault may refill entries.
    /// </summary>
    private void TryDirectReclaim(MmStruct mm, PtDesc pte, PteReclaimPass reclaim, bool forceBreak, bool reachedEnd)
    {
        if (forceBreak)
        {
            reclaim.Direct = false;
        }
        else if (reclaim.Direct && reachedEnd)
        {
            reclaim.Direct = _reclaim.TryGetAndClearPmd(mm, reclaim.PmdTable, reclaim.PmdIndex, pte, reclaim.Start);
            if (reclaim.Direct)
            {
                reclaim.Cleared = pte;
            }
        }
    }

    /// <summary>zap_present_ptes for one entry. Returns true when the gather is now full.</summary>
    private bool ZapPresentPte(Gather tlb, Vma vma, PtDesc pte, int index, ulong addr, ref bool forceFlush)
    {
        kernel.Machine.Charge(kernel.Machine.Costs.ZapPte);
        ulong ptent = kernel.Arch.PtepGetAndClear(vma.Mm, addr, pte, index, tlb.FullMm);
        int pfn = Pte.Pfn(ptent);
        tlb.RemoveTlbEntry(addr);
        if (Pte.IsSpecial(ptent))
        {
            // vm_normal_page() is NULL for the zero page: nothing to free.
            return false;
        }

        bool delayRmap = false;
        // folio_test_anon, not the vma: a private file mapping's written pages are anonymous
        // copies, with no page cache to hand the dirty bit to and nothing for writeback to find.
        if (!kernel.Machine.Memory.IsAnon(pfn) && Pte.Dirty(ptent))
        {
            // The dirty bit is only in the PTE: move it to the page before the PTE is gone.
            kernel.Machine.Memory.SetDirty(pfn);
            if (!tlb.FullMm && !kernel.Arch.NoGather && !kernel.Has(KernelBug.EarlyRmap))
            {
                // tlb_delay_rmap: keep the page findable by the rmap until the flush is done.
                delayRmap = true;
                forceFlush = true;
            }
        }

        if (!delayRmap)
        {
            kernel.RemoveRmap(pfn, vma);
        }

        return tlb.RemovePage(pfn, delayRmap);
    }

    /// <summary>
    /// zap_huge_pmd: clear a PMD mapping a huge folio, free its deposited PTE table. Returns
    /// false when the PMD is no longer huge once its lock is held (__pmd_trans_huge_lock):
    /// MADV_DONTNEED runs under the mmap lock for read, so two zappers may both see the huge
    /// PMD and race for its lock; the loser finds it cleared and must not zap it again.
    /// </summary>
    private bool ZapHugePmd(Gather tlb, Vma vma, PtDesc pmdTable, int index, ulong addr)
    {
        pmdTable.Ptl.Lock();
        if (!Pte.TransHuge(Pte.PtepGet(pmdTable.Entries, index)))
        {
            pmdTable.Ptl.Unlock();
            return false;
        }

        ulong orig = kernel.Arch.PmdpHugeGetAndClear(vma.Mm, addr, pmdTable, index, tlb.FullMm);
        int pfn = Pte.Pfn(orig);
        tlb.RemovePmdTlbEntry(addr);
        kernel.RemoveRmap(pfn, vma);
        kernel.Faults.WithdrawDepositedTable(vma.Mm, pmdTable, index);
        pmdTable.Ptl.Unlock();
        tlb.RemovePageAndFlushIfFull(pfn);
        return true;
    }
}
