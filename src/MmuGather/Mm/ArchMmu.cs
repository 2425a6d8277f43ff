using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// The architecture's half of mmu_gather: what asm/tlb.h, asm/tlbflush.h and
/// asm/mmu_context.h provide in Linux. The generic gather (<see cref="Gather"/>) does
/// everything it can alone and calls these hooks for the rest.
///
/// <para><b>The rule every back-end keeps:</b> unhook, invalidate, free. A translation is
/// removed from the page tables, every cache that may hold it (TLBs, walk caches, hash
/// tables, TSBs) is invalidated, and only then is the page or table freed.</para>
///
/// <para>Only <see cref="TlbFlush"/> is required. Every other member has the generic
/// default; override it only where the hardware differs (the C# form of tlb.h's
/// <c>#ifndef tlb_flush</c> pattern). A back-end that needs to copy generic code means a
/// hook is missing here.</para>
/// </summary>
public abstract class ArchMmu
{
    protected ArchMmu(Kernel kernel) => Kernel = kernel;

    protected Kernel Kernel { get; }

    /// <summary>The back-end's name in scenarios and reports (x86, arm64, ...).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// tlb_flush: invalidate every translation the gather has unhooked, on every CPU that may
    /// hold one: [tlb.Start, tlb.End) at stride <see cref="Gather.UnmapShift"/>, including
    /// paging-structure caches when <see cref="Gather.FreedTables"/>, or the whole mm when
    /// <see cref="Gather.FullMm"/> or <see cref="Gather.NeedFlushAll"/>. Required.
    /// </summary>
    public abstract void TlbFlush(Gather tlb);

    /// <summary>
    /// MMU_GATHER_MERGE_VMAS: keep gathering across vmas instead of flushing at each
    /// tlb_end_vma. Useful if your architecture's flush cost does not grow with the range
    /// (x86 flushes everything past 33 pages anyway).
    /// </summary>
    public virtual bool MergeVmas => false;

    /// <summary>
    /// MMU_GATHER_RCU_TABLE_FREE: free page-table pages after an RCU grace period instead of
    /// right after the flush. Useful if your architecture has lockless walkers (gup_fast)
    /// that an IPI cannot hold off: broadcast TLB invalidation, or paravirt flushes.
    /// </summary>
    public virtual bool RcuTableFree => true;

    /// <summary>
    /// tlb_needs_table_invalidate: a full table batch (or a failed batch allocation) flushes
    /// the TLB before the tables go to RCU. Useful to turn off if your hardware walker does
    /// not read the Linux page tables (powerpc hash, sparc64's TSB).
    /// </summary>
    public virtual bool NeedsTableInvalidate => true;

    /// <summary>
    /// MMU_GATHER_NO_GATHER: the architecture invalidates every CPU's TLB synchronously when a
    /// PTE is cleared, so there is nothing to batch: pages are freed at once and dirty shared
    /// pages need no delayed rmap. Useful if your hardware has an instruction that clears and
    /// invalidates in one (s390's IPTE / IDTE). The invalidation goes in
    /// <see cref="RemoveTlbEntry"/> and <see cref="RemovePmdTlbEntry"/>: they run right after
    /// the clear, under the same lock with no scheduling point in between, once the unhook has
    /// been published to the observers, and before the page can be freed.
    /// </summary>
    public virtual bool NoGather => false;

    /// <summary>
    /// ARCH_SUPPORTS_PT_RECLAIM (CONFIG_PT_RECLAIM, v6.14+): MADV_DONTNEED also frees the PTE
    /// tables its zap left empty, through the gather (pte_free_tlb). In v6.18 only x86-64
    /// selects it (4817f70c25b6); the generalisation to every RCU-table-free arch came later.
    /// </summary>
    public virtual bool SupportsPtReclaim => false;

    /// <summary>
    /// A level folded at run time, not at build time. Useful if your kernel is built for more
    /// levels than the hardware walks: x86-64 in v6.18 is always built for five (the p4d) and
    /// runs four where the CPU lacks LA57. pgd_none() is then always false, so free_p4d_range
    /// runs for every PGD slot of a free_pgd_range, and when the gap covers the whole slot it
    /// ends with p4d_free_tlb(): the generic wrapper marks the gather (one page of range,
    /// freed_tables) before the arch's __p4d_free_tlb() finds no table to free. A munmap that
    /// empties a 512 GiB slot therefore flushes even when no table was ever allocated there.
    /// Measured on the 6.18 host: munmap of an untouched page alone in its slot, with a sibling
    /// spinning on the other CPU, costs 1 remote round ("pages:1", from vms_clear_ptes).
    /// </summary>
    public virtual bool FoldsP4dAtRunTime => false;

    /// <summary>
    /// The fault path's first stop (hash_page, the TSB miss handler): the MMU missed although
    /// the Linux page table may already hold the translation. Return true if the hardware's
    /// own structure was refilled from it and the access should simply be retried. Useful if
    /// your hardware does not walk the Linux page tables (powerpc hash, sparc64's TSB).
    /// </summary>
    public virtual bool HandleMmuMiss(MmStruct mm, ulong address, bool write) => false;

    /// <summary>Sets up mm->context for a new address space (init_new_context).</summary>
    public virtual void InitContext(MmStruct mm)
    {
    }

    /// <summary>
    /// __tlb_remove_tlb_entry: called for each PTE the gather unhooks, with its old value.
    /// Useful if your architecture must act per entry, such as queueing a hash-table
    /// invalidation (powerpc hash) while the PTE lock is held.
    /// </summary>
    public virtual void RemoveTlbEntry(Gather tlb, ulong address, ulong oldPte)
    {
    }

    // ---- added with the s390 back-end (per-entry invalidation of huge PMDs, table frees in mm->context) ----

    /// <summary>
    /// __tlb_remove_pmd_tlb_entry: called for each huge PMD the gather unhooks, right after the
    /// clear, with the lock still held. Useful if your architecture must act per entry at the
    /// PMD level too (s390 invalidates the segment entry with IDTE there).
    /// </summary>
    public virtual void RemovePmdTlbEntry(Gather tlb, ulong address)
    {
    }

    /// <summary>
    /// The architecture's part of pte_free_tlb / pmd_free_tlb / pud_free_tlb / p4d_free_tlb:
    /// a page-table page covering <paramref name="address"/> was unhooked and handed to the
    /// gather. Useful if your architecture must remember it outside the gather (s390 sets
    /// mm->context.flush_mm, so that its tlb_flush purges the cached table entries before
    /// the table is freed).
    /// </summary>
    public virtual void FreeTableTlb(Gather tlb, PtDesc table, ulong address)
    {
    }

    /// <summary>
    /// arch_enter_lazy_mmu_mode: entered with the PTE lock held, before a run of PTE changes.
    /// Useful if your architecture batches per-CPU invalidations (powerpc hash, sparc64).
    /// </summary>
    public virtual void EnterLazyMmuMode()
    {
    }

    /// <summary>
    /// arch_leave_lazy_mmu_mode: the hook before the PTE lock is released (the 2007 series'
    /// "hook before PTE pages are unlocked"): drain whatever <see cref="EnterLazyMmuMode"/>
    /// batched, so no stale hash entry outlives the lock.
    /// </summary>
    public virtual void LeaveLazyMmuMode()
    {
    }

    /// <summary>
    /// switch_mm: the current CPU starts running <paramref name="next"/>. The generic version
    /// marks the CPU in mm_cpumask and loads the translation root; the tags keep other mms'
    /// entries apart, so nothing needs flushing. Useful to override if your architecture
    /// tracks flushes per CPU (x86's tlb_gen) or recycles ASIDs.
    /// </summary>
    public virtual void SwitchMm(MmStruct? prev, MmStruct next)
    {
        Cpu cpu = Kernel.Machine.Current;
        next.CpuMask.Set(cpu.Id);
        Kernel.Machine.LoadTranslationRoot(next.Id, next.Pgd.Pfn);
    }

    /// <summary>
    /// enter_lazy_tlb: the current CPU runs a kernel thread or idles and keeps the previous
    /// mm loaded. Useful if your architecture skips lazy CPUs when flushing (x86).
    /// </summary>
    public virtual void EnterLazyTlb(MmStruct mm)
    {
    }

    /// <summary>The current CPU drops a lazily loaded mm for the kernel's own tables (init_mm).</summary>
    public virtual void LeaveMm(MmStruct mm)
    {
        Cpu cpu = Kernel.Machine.Current;
        mm.CpuMask.Clear(cpu.Id);
        Kernel.Machine.LoadTranslationRoot(-1, 0);
    }

    // ------------------------------------------------------------ building blocks for back-ends
    // Not hooks: the invalidation primitives back-ends compose their TlbFlush from, so that no
    // back-end re-implements the bookkeeping (costs, counters, the shadow's events).

    /// <summary>
    /// Invalidates [start, end) of mm on <paramref name="cpu"/>, one operation per stride
    /// (INVLPG, TLBI VAE1, tlbiel), and the walk cache when <paramref name="walkCaches"/>.
    /// Returns the number of operations.
    /// </summary>
    protected long InvalidateRange(Cpu cpu, MmStruct mm, ulong start, ulong end, int strideShift, bool walkCaches)
    {
        ulong stride = 1UL << strideShift;
        long ops = 0;
        for (ulong addr = start; addr < end; addr += stride)
        {
            InvalidateStride(cpu, mm, addr, strideShift);
            ops++;
        }

        if (walkCaches)
        {
            cpu.WalkCache.InvalidateAsid(mm.Id);
        }

        cpu.Clock += ops * Kernel.Machine.Costs.InvalidatePage;
        Kernel.Counters.Add(Counter.LocalPageInvalidations, ops);
        Kernel.Observer.TlbInvalidated(cpu.Id, mm.Id, start, end, walkCaches);
        return ops;
    }

    /// <summary>
    /// One operation of a range invalidation: every entry of mm overlapping the stride at
    /// <paramref name="addr"/>. For one aligned base page that is exactly the entries that
    /// map <paramref name="addr"/>, which the TLB finds through one set instead of a scan
    /// (added with s390, which invalidates every page it unmaps one by one).
    /// </summary>
    private void InvalidateStride(Cpu cpu, MmStruct mm, ulong addr, int strideShift)
    {
        if (strideShift == Kernel.Geometry.PageShift && (addr & ~Kernel.Geometry.PageMask) == 0)
        {
            cpu.Tlb.InvalidatePage(mm.Id, addr);
            return;
        }

        cpu.Tlb.InvalidateRange(mm.Id, addr, addr + (1UL << strideShift));
    }

    /// <summary>Invalidates everything of mm on <paramref name="cpu"/>, walk cache included (CR3 reload, TLBI ASIDE1).</summary>
    protected void InvalidateAll(Cpu cpu, MmStruct mm)
    {
        cpu.Tlb.InvalidateAsid(mm.Id);
        cpu.WalkCache.InvalidateAsid(mm.Id);
        cpu.Clock += Kernel.Machine.Costs.FlushAll;
        Kernel.Counters.Add(Counter.LocalFullFlushes);
        Kernel.Observer.TlbInvalidated(cpu.Id, mm.Id, 0, ulong.MaxValue, walkCaches: true);
    }

    /// <summary>
    /// A broadcast invalidation (TLBI ...IS, tlbie, INVLPGB, IPTE): every CPU's TLB obeys, no
    /// interrupt is taken, nobody waits for an interrupts-off section; the issuing CPU pays
    /// the operations plus the completion barrier (DSB, TLBSYNC). <c>end == ulong.MaxValue</c>:
    /// the whole mm.
    /// </summary>
    protected void BroadcastInvalidate(MmStruct mm, ulong start, ulong end, int strideShift, bool walkCaches)
    {
        Cpu issuer = Kernel.Machine.Current;
        long ops = 1;
        foreach (Cpu cpu in Kernel.Machine.Cpus)
        {
            if (end == ulong.MaxValue)
            {
                cpu.Tlb.InvalidateAsid(mm.Id);
                cpu.WalkCache.InvalidateAsid(mm.Id);
                Kernel.Observer.TlbInvalidated(cpu.Id, mm.Id, 0, ulong.MaxValue, walkCaches: true);
                continue;
            }

            ops = 0;
            for (ulong addr = start; addr < end; addr += 1UL << strideShift)
            {
                InvalidateStride(cpu, mm, addr, strideShift);
                ops++;
            }

            if (walkCaches)
            {
                cpu.WalkCache.InvalidateAsid(mm.Id);
            }

            Kernel.Observer.TlbInvalidated(cpu.Id, mm.Id, start, end, walkCaches);
        }

        issuer.Clock += (ops * Kernel.Machine.Costs.InvalidatePage) + Kernel.Machine.Costs.IpiLatency;
        Kernel.Counters.Add(Counter.BroadcastFlushes);
        Kernel.Counters.Add(Counter.BroadcastInvalidations, ops);
    }

    // ---- added with the arm64 back-end (range TLBI, ASIDs retired at exit) ----

    /// <summary>
    /// A broadcast of <paramref name="ops"/> range instructions that together cover
    /// [start, end) (arm64's FEAT_TLBIRANGE TLBI RVAE1IS: one instruction for up to 2^21
    /// pages): every CPU drops the range in one pass, the issuer pays each instruction and
    /// the completion barrier. Useful if your architecture invalidates a range per
    /// instruction rather than a page.
    /// </summary>
    protected void BroadcastRangeInvalidate(MmStruct mm, ulong start, ulong end, long ops, bool walkCaches)
    {
        foreach (Cpu cpu in Kernel.Machine.Cpus)
        {
            cpu.Tlb.InvalidateRange(mm.Id, start, end);
            if (walkCaches)
            {
                cpu.WalkCache.InvalidateAsid(mm.Id);
            }

            Kernel.Observer.TlbInvalidated(cpu.Id, mm.Id, start, end, walkCaches);
        }

        Kernel.Machine.Charge((ops * Kernel.Machine.Costs.InvalidatePage) + Kernel.Machine.Costs.IpiLatency);
        Kernel.Counters.Add(Counter.BroadcastFlushes);
        Kernel.Counters.Add(Counter.BroadcastInvalidations, ops);
    }

    /// <summary>
    /// A fullmm flush that is skipped: the mm is going away and its tag is never loaded again
    /// before a rollover invalidates every TLB (arm64's ASID allocator), so the leaf entries
    /// left under it are unreachable. Only valid when no page table was freed: walk caches
    /// may still be walked speculatively. Useful if your architecture's tags outlive the mm
    /// without being reused.
    /// </summary>
    protected void RetireAsid(MmStruct mm)
    {
        Kernel.Counters.Add(Counter.FullMmFlushesSkipped);
        Kernel.Observer.AsidRetired(mm.Id);
    }
}
