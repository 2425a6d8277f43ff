using System.Diagnostics;
using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// struct mmu_gather: batches the TLB invalidation of a page-table teardown and frees what
/// was unmapped only after it.
///
/// <para><b>Invariant: unhook, invalidate, free.</b> A page or page-table page handed to the
/// gather (<see cref="RemovePage"/>, <see cref="RemoveTable"/>) has already been unhooked
/// from the page tables; it is freed only after a <see cref="FlushMmuTlbOnly"/> that covers
/// its address has invalidated every CPU that might still translate through it.</para>
///
/// <para><b>Ownership.</b> A gather belongs to the operation that created it (it lives on
/// the caller's stack in Linux), never to a CPU: the caller may sleep, be preempted and
/// resume on another CPU anywhere outside a page-table spinlock (the 2011 rework).</para>
///
/// <para><b>Entry points.</b> <see cref="TlbGatherMmu"/> / <see cref="TlbGatherMmuFullMm"/>
/// begin (and raise mm->tlb_flush_pending); the zap code reports each cleared entry
/// (<see cref="RemoveTlbEntry"/>, <see cref="RemovePmdTlbEntry"/>), queues pages
/// (<see cref="RemovePage"/>) and tables (<see cref="PteFreeTlb"/> and friends);
/// <see cref="FlushMmu"/> flushes and frees mid-way; <see cref="TlbFinishMmu"/> ends.</para>
///
/// <para><b>Batches.</b> Pages first fill the embedded batch (<see cref="MmuGatherBundle"/>
/// slots), then page-sized batches of (PAGE_SIZE - 16) / 8 slots, at most
/// <see cref="MaxGatherBatchCount"/> of them. A batch moves on at max - 1 so that a
/// two-slot entry always fits. When no batch is left (or none can be allocated) the gather
/// reports "full" and the caller flushes: the gather always makes progress, it never fails.</para>
///
/// <para><b>Mode.</b> <see cref="GatherMode.PerCpu26"/> switches on the v2.6.39 policy the
/// 2011 rework replaced (section "2.6-era per-CPU gather" below): the gather pins its CPU
/// (preemption off until <see cref="TlbFinishMmu"/>), has one fixed array of
/// <see cref="FreePteNr"/> pages and no batch pages, is flushed and freed in place when full
/// (<see cref="FreesUnderPtl"/>) and never reschedules (<see cref="MayReschedule"/>).
/// Range tracking, the flush, table freeing and the order unhook, invalidate, free are the
/// same code in both modes.</para>
/// </summary>
public sealed class Gather
{
    /// <summary>MMU_GATHER_BUNDLE: slots of the embedded (on-stack) batch.</summary>
    public const int MmuGatherBundle = 8;

    /// <summary>Header of a page batch (next pointer, nr, max) in bytes on 64-bit.</summary>
    public const int GatherBatchHeaderBytes = 16;

    /// <summary>Header of a table batch (rcu_head, nr) in bytes on 64-bit.</summary>
    public const int TableBatchHeaderBytes = 24;

    /// <summary>MAX_NR_FOLIOS_PER_FREE: pages freed per chunk, with a reschedule point between chunks.</summary>
    public const int MaxNrFoliosPerFree = 512;

    /// <summary>Bound used by MAX_GATHER_BATCH_COUNT: about this many pages may be gathered.</summary>
    public const int GatherPagesBound = 10000;

    /// <summary>
    /// FREE_PTE_NR: the per-CPU gather's one array on SMP (asm-generic/tlb.h from 2.5.35 to
    /// v2.6.39, removed by the 2011 rework); only <see cref="GatherMode.PerCpu26"/> uses it.
    /// </summary>
    public const int FreePteNr = 506;

    private readonly Kernel _kernel;
    private readonly GatherBatch _local;
    private GatherBatch _active;
    private int _batchCount;
    private TableBatch? _tableBatch;
    private bool _finished;

    /// <summary>The CPU whose per-CPU gather this is (2.6-era mode), or -1: preemption is off until the finish.</summary>
    private int _pinnedCpu = -1;

    private Gather(Kernel kernel, MmStruct mm, bool fullMm, bool rangeOnly = false)
    {
        _kernel = kernel;
        Mm = mm;
        FullMm = fullMm;
        Mode = kernel.GatherMode;
        _local = new GatherBatch(PerCpu ? FreePteNr : MmuGatherBundle, -1);
        _active = _local;
        MaxGatherBatch = (int)((kernel.Geometry.PageSize - GatherBatchHeaderBytes) / Geometry.EntryBytes);
        MaxGatherBatchCount = GatherPagesBound / MaxGatherBatch;
        MaxTableBatch = (int)((kernel.Geometry.PageSize - TableBatchHeaderBytes) / Geometry.EntryBytes);
        ResetRange();
        if (rangeOnly)
        {
            Mode = GatherMode.Current;
            _finished = true; // never gathers, never finishes: only describes a range to tlb_flush
            return;
        }

        mm.TlbFlushPending.IncrementAndGet();
        PinCpu();
    }

    public MmStruct Mm { get; }

    /// <summary>Which gather this is: today's, or the 2.6-era per-CPU one.</summary>
    public GatherMode Mode { get; }

    /// <summary>The whole address space is going away (exit, execve): no range to track.</summary>
    public bool FullMm { get; private set; }

    /// <summary>The architecture asked for a full flush whatever the range.</summary>
    public bool NeedFlushAll { get; set; }

    /// <summary>Page-table pages were unhooked: walk caches must be invalidated as well.</summary>
    public bool FreedTables { get; private set; }

    /// <summary>Lowest address unhooked since the last flush.</summary>
    public ulong Start { get; private set; }

    /// <summary>End of the highest range unhooked since the last flush (0: nothing).</summary>
    public ulong End { get; private set; }

    /// <summary>cleared_ptes/pmds/puds/p4ds as a bit per level (bit 0: PTEs).</summary>
    public int ClearedLevels { get; private set; }

    /// <summary>Some queued page has its rmap removal delayed until after the flush (5df397dec7c4).</summary>
    public bool DelayedRmap { get; private set; }

    /// <summary>vma_pfn: a VM_PFNMAP vma was zapped: flush before it is unlinked (b67fbebd4cf9).</summary>
    public bool VmaPfn { get; private set; }

    /// <summary>MAX_GATHER_BATCH: slots of one page batch ((PAGE_SIZE - 16) / 8: 510 on 4 KiB pages).</summary>
    public int MaxGatherBatch { get; }

    /// <summary>MAX_GATHER_BATCH_COUNT: page batches a gather may chain (10000 / 510 = 19).</summary>
    public int MaxGatherBatchCount { get; }

    /// <summary>MAX_TABLE_BATCH: slots of a table batch ((PAGE_SIZE - 24) / 8: 509 on 4 KiB pages).</summary>
    public int MaxTableBatch { get; }

    /// <summary>Page batches allocated and chained so far.</summary>
    public int BatchCount => _batchCount;

    /// <summary>Pages queued and not yet freed (for reports and tests).</summary>
    public int QueuedPages
    {
        get
        {
            int n = 0;
            for (GatherBatch? b = _local; b is not null; b = b.Next)
            {
                n += b.Nr;
            }

            return n;
        }
    }

    /// <summary>tlb_get_unmap_shift: the stride of the flush, from the smallest level cleared.</summary>
    public int UnmapShift
    {
        get
        {
            for (int level = 0; level < _kernel.Geometry.Levels - 1; level++)
            {
                if ((ClearedLevels & (1 << level)) != 0)
                {
                    return _kernel.Geometry.EntryShift(level);
                }
            }

            return _kernel.Geometry.PageShift;
        }
    }

    /// <summary>tlb_gather_mmu: begin tearing down part of <paramref name="mm"/>.</summary>
    public static Gather TlbGatherMmu(Kernel kernel, MmStruct mm) => new(kernel, mm, fullMm: false);

    /// <summary>tlb_gather_mmu_fullmm: begin tearing down all of <paramref name="mm"/>, which has no users left.</summary>
    public static Gather TlbGatherMmuFullMm(Kernel kernel, MmStruct mm) => new(kernel, mm, fullMm: true);

    /// <summary>
    /// flush_tlb_range(mm, start, end) as the architecture's tlb_flush sees it: a gather that
    /// only describes a range (cleared at <paramref name="level"/>, tables freed or not). It
    /// raises no tlb_flush_pending and queues nothing. asm-generic's default tlb_flush goes the
    /// other way round (it builds a vma from the gather and calls flush_tlb_range); both name
    /// the same invalidation. <c>end == ulong.MaxValue</c> stands for flush_tlb_mm.
    /// </summary>
    internal static Gather RangeOnly(Kernel kernel, MmStruct mm, ulong start, ulong end, int level, bool freedTables)
    {
        var range = new Gather(kernel, mm, fullMm: false, rangeOnly: true);
        if (end == ulong.MaxValue)
        {
            range.NeedFlushAll = true;
            end = kernel.Geometry.PageSize;
            start = 0;
        }

        range.Start = start;
        range.End = end;
        range.ClearedLevels = 1 << level;
        range.FreedTables = freedTables;
        return range;
    }

    // ---------------------------------------------------------------- range tracking

    /// <summary>
    /// tlb_remove_tlb_entry: a PTE for address was cleared (by the arch's ptep_get_and_clear,
    /// which did whatever per-entry work the hardware needs); widen the range. Linux's
    /// __tlb_remove_tlb_entry hook is empty on every architecture modelled here.
    /// </summary>
    public void RemoveTlbEntry(ulong address) => FlushLevelRange(PageLevel.Pte, address, _kernel.Geometry.PageSize);

    /// <summary>tlb_remove_pmd_tlb_entry: a huge PMD for address was cleared; widen the range.</summary>
    public void RemovePmdTlbEntry(ulong address) => FlushLevelRange(PageLevel.Pmd, address, _kernel.Geometry.EntrySpan(PageLevel.Pmd));

    /// <summary>
    /// Drops the last page from the range (only the <see cref="KernelBug.FullBatchRange"/>
    /// switch does this: the pre-e6c495a96ce0 forced flush ended at the page that filled the batch).
    /// </summary>
    internal void ExcludeFromRange(ulong address)
    {
        if (End > address)
        {
            End = Math.Max(Start, address);
        }
    }

    /// <summary>p4d_free_tlb() of a level folded at run time: the wrapper's bookkeeping, no table behind it.</summary>
    public void FoldedTableFreed(ulong address)
    {
        FlushLevelRange(_kernel.Geometry.Levels - 1, address, _kernel.Geometry.PageSize);
        FreedTables = true;
    }

    /// <summary>
    /// A page table moved away from [address, address + size) whole (mremap's move_normal_pmd
    /// under <c>flush_api: gather</c>, which Linux 6.18 does not have): not freed, but the
    /// walk caches may still lead from the old addresses into it, so the flush must reach
    /// them as it does for a freed table (freed_tables: never leaf only).
    /// </summary>
    public void TableMoved(ulong address, ulong size)
    {
        FlushLevelRange(PageLevel.Pte, address, size);
        FreedTables = true;
    }

    /// <summary>tlb_flush_pte_range and its pmd/pud/p4d siblings: record a cleared range at a level.</summary>
    public void FlushLevelRange(int level, ulong address, ulong size)
    {
        AssertInvariants();
        Start = Math.Min(Start, address);
        End = Math.Max(End, address + size);
        ClearedLevels |= 1 << level;
    }

    // ---------------------------------------------------------------- per-vma hooks

    /// <summary>tlb_start_vma: note the vma's flags (nothing to do for fullmm).</summary>
    public void StartVma(Vma vma)
    {
        if (FullMm)
        {
            return;
        }

        VmaPfn = (vma.Flags & VmFlags.PfnMap) != 0;
    }

    /// <summary>
    /// tlb_end_vma: flush the TLB (pages stay queued) at each vma boundary, unless the whole
    /// mm is going or the architecture merges vmas; a VM_PFNMAP vma is flushed regardless,
    /// before it can be unlinked (b67fbebd4cf9, CVE-2022-39188).
    /// </summary>
    public void EndVma(Vma vma)
    {
        if (FullMm || (_kernel.Arch.MergeVmas && !VmaPfn))
        {
            return;
        }

        FlushMmuTlbOnly();
    }

    // ---------------------------------------------------------------- pages

    /// <summary>
    /// __tlb_remove_folio_pages: queue an unhooked page (pfn of the folio's head) to be
    /// released after the flush. With <paramref name="delayRmap"/> its rmap removal waits
    /// for <see cref="FlushRmaps"/>. Returns true when the gather is full: the caller must
    /// flush (TLB, then free) before queueing more.
    /// </summary>
    public bool RemovePage(int pfn, bool delayRmap)
    {
        AssertInvariants();
        _kernel.Diag.Assert(End != 0 || FullMm, "page 0x{0:x} queued before any entry was cleared: the flush would not cover it", pfn);
        if (_kernel.Arch.NoGather)
        {
            // MMU_GATHER_NO_GATHER: the PTE clear already invalidated every CPU; free now.
            _kernel.Diag.Assert(!delayRmap, "a delayed rmap with MMU_GATHER_NO_GATHER");
            _kernel.PutPage(pfn);
            return false;
        }

        GatherBatch batch = _active;
        batch.Encoded[batch.Nr++] = GatherBatch.Encode(pfn, delayRmap);
        DelayedRmap |= delayRmap;
        if (PerCpu)
        {
            return ArrayFull();
        }

        // Keep room for a two-slot entry (page + count) in the active batch.
        if (batch.Nr >= batch.Max - 1)
        {
            if (!NextBatch())
            {
                return true;
            }
        }

        _kernel.Diag.Assert(_active.Nr <= _active.Max - 1, "active batch overfull");
        return false;
    }

    /// <summary>tlb_remove_page: queue a page and flush at once if that filled the gather.</summary>
    public void RemovePageAndFlushIfFull(int pfn)
    {
        if (RemovePage(pfn, delayRmap: false))
        {
            _kernel.Counters.Add(Counter.GatherForcedFlushes);
            FlushMmu();
        }
    }

    private bool NextBatch()
    {
        // While rmaps are delayed, at most the embedded batch and one more are in use, since
        // FlushRmaps walks only those two.
        if (DelayedRmap && _active != _local)
        {
            return false;
        }

        if (_active.Next is not null)
        {
            _active = _active.Next;
            return true;
        }

        if (_batchCount == MaxGatherBatchCount)
        {
            return false;
        }

        int pfn = _kernel.Machine.Memory.Alloc(AllocSite.GatherBatch, FrameKind.GatherBatch);
        if (pfn < 0)
        {
            // __get_free_page(GFP_NOWAIT) failed: carry on with what we have; the caller flushes sooner.
            _kernel.Counters.Add(Counter.GatherBatchAllocFailures);
            return false;
        }

        _kernel.Counters.Add(Counter.GatherBatchPagesAllocated);
        _batchCount++;
        var batch = new GatherBatch(MaxGatherBatch, pfn);
        _active.Next = batch;
        _active = batch;
        return true;
    }

    /// <summary>
    /// tlb_flush_rmaps: remove the rmaps that were delayed past the TLB flush. Called after
    /// <see cref="FlushMmuTlbOnly"/> and before the PTE lock is dropped, so that writeback
    /// (which finds the page through the rmap) can no longer miss a writable stale entry.
    /// </summary>
    public void FlushRmaps(Vma vma)
    {
        if (!DelayedRmap)
        {
            return;
        }

        FlushRmapBatch(_local, vma);
        if (_active != _local)
        {
            FlushRmapBatch(_active, vma);
        }

        DelayedRmap = false;
    }

    private void FlushRmapBatch(GatherBatch batch, Vma vma)
    {
        for (int i = 0; i < batch.Nr; i++)
        {
            ulong e = batch.Encoded[i];
            if ((e & GatherBatch.DelayRmapBit) != 0)
            {
                _kernel.RemoveRmap(GatherBatch.PfnOf(e), vma);
                batch.Encoded[i] = e & ~GatherBatch.DelayRmapBit;
            }
        }
    }

    // ---------------------------------------------------------------- tables

    /// <summary>pte_free_tlb: a PTE table covering address was unhooked from its PMD.</summary>
    public void PteFreeTlb(PtDesc table, ulong address) => FreeTableTlb(table, address);

    /// <summary>pmd_free_tlb / pud_free_tlb / p4d_free_tlb: an upper-level table was unhooked.</summary>
    public void FreeTableTlb(PtDesc table, ulong address)
    {
        // The walk caches hold pointers at the level above the table: record that level.
        FlushLevelRange(table.Level + 1, address, _kernel.Geometry.PageSize);
        FreedTables = true;
        _kernel.Arch.FreeTableTlb(this, table, address); // added with s390: it sets flush_mm here
        RemoveTable(table);
    }

    /// <summary>
    /// tlb_remove_table: queue an unhooked table. When the table batch fills, it is flushed
    /// (TLB first if the arch needs it) and handed to RCU. When no batch page can be had, the
    /// one table is freed on the spot, after the TLB invalidation and a synchronising IPI to
    /// every CPU so that no lockless walker with interrupts off is still inside it
    /// (0ed1325967ab added the invalidation to that path).
    /// </summary>
    public void RemoveTable(PtDesc table)
    {
        AssertInvariants();
        if (!_kernel.Arch.RcuTableFree)
        {
            // Without RCU table freeing tables are queued like pages would be: freed after the flush.
            EnsureTableBatch();
            if (_tableBatch is null)
            {
                TableInvalidate();
                _kernel.FreePageTable(table);
                return;
            }
        }
        else
        {
            EnsureTableBatch();
            if (_tableBatch is null)
            {
                if (!_kernel.Has(KernelBug.TableFreeNoInvalidate))
                {
                    TableInvalidate();
                }

                RemoveTableOne(table);
                return;
            }
        }

        _tableBatch.Tables[_tableBatch.Nr++] = table;
        if (_tableBatch.Nr == _tableBatch.Max)
        {
            TableFlush();
        }
    }

    private void EnsureTableBatch()
    {
        if (_tableBatch is not null)
        {
            return;
        }

        int pfn = _kernel.Machine.Memory.Alloc(AllocSite.TableBatch, FrameKind.TableBatch);
        if (pfn < 0)
        {
            _kernel.Counters.Add(Counter.TableBatchAllocFailures);
            return;
        }

        _tableBatch = new TableBatch(MaxTableBatch, pfn);
    }

    private void TableInvalidate()
    {
        if (_kernel.Arch.NeedsTableInvalidate)
        {
            FlushMmuTlbOnly();
        }
    }

    private void RemoveTableOne(PtDesc table)
    {
        // tlb_remove_table_sync_one: an IPI to every CPU returns only once each has taken
        // it, so every interrupts-off walker has left the table.
        _kernel.Counters.Add(Counter.TablesFreedOneByOne);
        _kernel.Machine.SendIpiAndWait(IpiKind.CallFunction, ulong.MaxValue, static _ => { });
        _kernel.FreePageTable(table);
    }

    private void TableFlush()
    {
        TableBatch? batch = _tableBatch;
        if (batch is null)
        {
            return;
        }

        TableInvalidate();
        _tableBatch = null;
        _kernel.Counters.Add(Counter.TableBatchFlushes);
        if (_kernel.Arch.RcuTableFree && !_kernel.Has(KernelBug.NoRcuTableFree))
        {
            _kernel.Rcu.CallRcu(() => _kernel.FreeTableBatch(batch));
        }
        else
        {
            _kernel.FreeTableBatch(batch);
        }
    }

    // ---------------------------------------------------------------- flushing

    /// <summary>
    /// tlb_flush_mmu_tlbonly: invalidate what was unhooked since the last flush (nothing if
    /// nothing was), then reset the range. Pages stay queued.
    /// </summary>
    public void FlushMmuTlbOnly()
    {
        AssertInvariants();
        if (!FreedTables && ClearedLevels == 0)
        {
            return;
        }

        _kernel.Counters.Add(Counter.TlbFlushes);
        _kernel.Arch.TlbFlush(this);
        ResetRange();
    }

    /// <summary>tlb_flush_mmu: flush the TLB, then free the queued tables and pages.</summary>
    public void FlushMmu()
    {
        if (_kernel.Has(KernelBug.FreeBeforeFlush))
        {
            BatchPagesFlush();
        }

        FlushMmuTlbOnly();
        FlushMmuFree();
    }

    private void FlushMmuFree()
    {
        TableFlush();
        BatchPagesFlush();
    }

    private void BatchPagesFlush()
    {
        _kernel.Diag.Assert(!DelayedRmap, "freeing gathered pages while their rmap removal is still delayed");
        for (GatherBatch? batch = _local; batch is not null && batch.Nr > 0; batch = batch.Next)
        {
            FreeEncodedPages(batch);
        }

        _active = _local;
    }

    private void FreeEncodedPages(GatherBatch batch)
    {
        int done = 0;
        while (done < batch.Nr)
        {
            int chunk = Math.Min(MaxNrFoliosPerFree, batch.Nr - done);
            for (int i = done; i < done + chunk; i++)
            {
                _kernel.PutPage(GatherBatch.PfnOf(batch.Encoded[i]));
            }

            done += chunk;
            if (MayReschedule)
            {
                _kernel.CondResched();
            }
        }

        batch.Nr = 0;
    }

    /// <summary>
    /// tlb_finish_mmu: the last flush and free. If another gather runs on the same mm
    /// (tlb_flush_pending &gt; 1: a parallel munmap or MADV_DONTNEED under the read lock), this
    /// one may have found PTEs already cleared by the other and gathered nothing, yet the
    /// other's flush may not have happened: flush the whole mm, walk caches included
    /// (99baac21e458; freed_tables set since 7a30df49f63a so arm64 does not go leaf-only).
    /// </summary>
    public void TlbFinishMmu()
    {
        AssertInvariants();
        long pending = Mm.TlbFlushPending.Read();
        _kernel.Diag.Assert(pending > 0, "a live gather but tlb_flush_pending is 0");
        if (pending > 1 && !_kernel.Has(KernelBug.NestedFlush))
        {
            _kernel.Counters.Add(Counter.NestedGatherFlushes);
            if (_kernel.Has(KernelBug.NestedFlushResetsFreedTables))
            {
                // Bug switch (arm64 zoo): before 7a30df49f63a the range was reset, freed_tables
                // and the cleared levels with it, and widened back to a plain page range.
                (FreedTables, ClearedLevels, Start, End) = (false, 1, End == 0 ? 0 : Start, End == 0 ? _kernel.Geometry.TaskSize : End);
            }
            else
            {
                FullMm = true;
                ResetRange();
                FreedTables = true;
            }
        }

        FlushMmu();
        if (!_kernel.Has(KernelBug.LeakGatherBatches))
        {
            BatchListFree();
        }

        Mm.TlbFlushPending.DecrementAndGet();
        _finished = true;
        UnpinCpu();
    }

    private void BatchListFree()
    {
        GatherBatch? batch = _local.Next;
        while (batch is not null)
        {
            GatherBatch? next = batch.Next;
            _kernel.Machine.Memory.Free(batch.BackingPfn);
            batch = next;
        }

        _local.Next = null;
        _active = _local;
        _batchCount = 0;
    }

    // ---------------------------------------------------------------- 2.6-era per-CPU gather
    //
    // The policy of GatherMode.PerCpu26, as in v2.6.39's asm-generic/tlb.h. Everything else
    // in this class is shared with today's gather.

    /// <summary>
    /// Reschedule points are allowed while this gather lives. Not in the 2.6-era mode: its
    /// gather was per-CPU, so nothing between tlb_gather_mmu and tlb_finish_mmu could
    /// schedule (zap_pmd_range got its cond_resched from 97a894136f29, in the 2011 series).
    /// v2.6.39's unmap_vmas called cond_resched() between ZAP_BLOCK_SIZE blocks only when
    /// need_resched(), which with nothing else runnable is never true, so the model leaves it
    /// out. Not modelled either: unmap_vmas also finished the gather and took a new one at
    /// each block (1024 pages without CONFIG_PREEMPT, 8 with), which bounded the real
    /// preemption-off stretch at one block; here one gather spans the whole operation
    /// (docs/cost-model.md measures both).
    /// </summary>
    public bool MayReschedule => !PerCpu;

    /// <summary>
    /// The zapper flushes and frees a full gather on the spot, under the PTE lock, and carries
    /// on (<see cref="FlushFullUnderPtl"/>): v2.6.39's tlb_remove_page called tlb_flush_mmu
    /// itself. Today's gather reports "full" and the zapper flushes the TLB under the lock but
    /// frees only after dropping it (the 2011 rework: shorter PTE lock hold times).
    /// </summary>
    public bool FreesUnderPtl => PerCpu;

    private bool PerCpu => Mode == GatherMode.PerCpu26;

    /// <summary>
    /// tlb_remove_page's tlb_flush_mmu when the array filled (2.6-era mode): flush the TLB,
    /// then free the pages and tables, with the PTE lock of <paramref name="vma"/>'s table
    /// still held. Delayed rmaps (a later kernel's rule, kept in both modes) are removed
    /// between the flush and the free.
    /// </summary>
    public void FlushFullUnderPtl(Vma vma)
    {
        _kernel.Diag.Assert(FreesUnderPtl, "in-place flush of a gather that frees outside the PTE lock");
        if (DelayedRmap)
        {
            FlushMmuTlbOnly();
            FlushRmaps(vma);
        }

        FlushMmu();
    }

    /// <summary>tlb->nr &gt;= FREE_PTE_NR: the one array is full (no batch page is ever allocated).</summary>
    private bool ArrayFull() => _local.Nr >= _local.Max;

    /// <summary>
    /// get_cpu_var(mmu_gathers): the gather is this CPU's, so preemption stays off until
    /// <see cref="UnpinCpu"/>. A fullmm gather is left unpinned: the model's exit_mmap sleeps
    /// on the mmap lock between the zap and free_pgtables, as Linux does today, where
    /// v2.6.39's exit_mmap took no lock; pinning it would report a sleep in atomic context
    /// the old kernel never had (docs/cost-model.md).
    /// </summary>
    private void PinCpu()
    {
        if (!PerCpu || FullMm)
        {
            return;
        }

        _kernel.Machine.PreemptDisable();
        _pinnedCpu = _kernel.Machine.Current.Id;
    }

    /// <summary>put_cpu_var(mmu_gathers), at the end of tlb_finish_mmu.</summary>
    private void UnpinCpu()
    {
        if (_pinnedCpu < 0)
        {
            return;
        }

        _kernel.Diag.Assert(_kernel.Machine.Current.Id == _pinnedCpu, "per-CPU gather of CPU{0} finished on CPU{1}: it migrated with preemption off", _pinnedCpu, _kernel.Machine.Current.Id);
        _pinnedCpu = -1;
        _kernel.Machine.PreemptEnable();
    }

    private void ResetRange()
    {
        if (FullMm)
        {
            Start = End = ulong.MaxValue;
        }
        else
        {
            Start = _kernel.Geometry.TaskSize;
            End = 0;
        }

        FreedTables = false;
        ClearedLevels = 0;
    }

    /// <summary>
    /// Debug-only checks. They must not touch the model: no atomic reads here (an atomic
    /// charges cycles and is a scheduling point, so a Debug build would run a different
    /// timeline and interleaving than a Release one); tlb_flush_pending is checked where
    /// <see cref="TlbFinishMmu"/> reads it anyway.
    /// </summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        _kernel.Diag.Assert(!_finished, "gather used after tlb_finish_mmu");
        _kernel.Diag.Assert(_batchCount <= MaxGatherBatchCount, "more page batches than MAX_GATHER_BATCH_COUNT");
    }
}
