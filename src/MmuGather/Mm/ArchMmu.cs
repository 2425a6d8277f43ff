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
    /// invalidates in one (s390's IPTE / IDTE). The invalidation goes in the PTE accessors
    /// (<see cref="PtepGetAndClear"/>, <see cref="PmdpHugeGetAndClear"/>), as in Linux.
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
    /// HAVE_MOVE_PMD / HAVE_MOVE_PUD and arch_supports_page_table_move(): mremap may move a
    /// whole page table by its pointer when a PMD (PUD) span moves between aligned addresses.
    /// Useful to turn off if your MMU keeps per-page state outside the page tables that must
    /// hear of every moved entry (powerpc hash returns radix_enabled(); s390 and sparc64 do not
    /// select it).
    /// </summary>
    public virtual bool SupportsPageTableMove => true;

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
    /// The architecture's part of pte_free_tlb / pmd_free_tlb / pud_free_tlb / p4d_free_tlb:
    /// a page-table page covering <paramref name="address"/> was unhooked and handed to the
    /// gather. Useful if your architecture must remember it outside the gather (s390 sets
    /// mm->context.flush_mm, so that its tlb_flush purges the cached table entries before
    /// the table is freed).
    /// </summary>
    public virtual void FreeTableTlb(Gather tlb, PtDesc table, ulong address)
    {
    }

    // ------------------------------------------------------------ PTE updates (asm/pgtable.h)
    // Every change of a present entry goes through one of these, as in Linux: the accessor is
    // where hardware that must hear of each change (s390's IPTE, the powerpc hash table,
    // sparc64's TSB batch) acts. The generic versions change the slot and publish the change
    // to the observers; an override calls the base first, so the observers always see the
    // unhook before any invalidation. Contracts: docs/pte-accessors.md.

    /// <summary>
    /// ptep_get_and_clear(_full): atomically clear the PTE at <paramref name="index"/> of
    /// <paramref name="table"/> (mapping <paramref name="address"/>) and return its last
    /// value. The caller owns the invalidation (a gather, or a flush_tlb_*) and frees nothing
    /// before it. <paramref name="full"/>: the whole mm is being torn down (exit). Useful to
    /// override if your architecture invalidates or queues per entry (s390 IPTE, powerpc
    /// hash's hpte_need_flush, sparc64's tlb_batch_add).
    /// </summary>
    public virtual ulong PtepGetAndClear(MmStruct mm, ulong address, PtDesc table, int index, bool full)
    {
        ulong old = Pte.PtepGetAndClear(table.Entries, index);
        Kernel.Observer.LeafCleared(mm.Id, address, PageLevel.Pte, Pte.Pfn(old));
        return old;
    }

    /// <summary>
    /// pmdp_huge_get_and_clear(_full): the same for a PMD that maps a huge page. Useful to
    /// override if your architecture invalidates per entry at the PMD level too (s390 IDTE).
    /// </summary>
    public virtual ulong PmdpHugeGetAndClear(MmStruct mm, ulong address, PtDesc pmdTable, int index, bool full)
    {
        ulong old = Pte.PtepGetAndClear(pmdTable.Entries, index);
        Kernel.Observer.LeafCleared(mm.Id, address, PageLevel.Pmd, Pte.Pfn(old));
        return old;
    }

    /// <summary>
    /// set_pte_at / set_pmd_at for a leaf: install <paramref name="pte"/> in a slot that is
    /// empty, or whose old entry the caller has already invalidated everywhere
    /// (ptep_clear_flush order), or that only gains rights (a write fault's pte_mkwrite).
    /// Called with the lock covering the slot held.
    /// </summary>
    public virtual void SetPteAt(MmStruct mm, ulong address, PtDesc table, int index, ulong pte)
    {
        Pte.SetPteAt(table.Entries, index, pte);
        if (Pte.Valid(pte))
        {
            Kernel.Observer.LeafInstalled(mm.Id, address, table.Level, Pte.Pfn(pte));
        }
    }

    /// <summary>
    /// ptep_clear_flush: clear the PTE and invalidate it on every CPU before returning
    /// (flush_tlb_page), for a caller that will install something else in the slot at once
    /// (copy-on-write, folio_mkclean). Not a hook: the clear and the flush are.
    /// </summary>
    public ulong PtepClearFlush(MmStruct mm, ulong address, PtDesc table, int index)
    {
        ulong old = PtepGetAndClear(mm, address, table, index, full: false);
        if (PteAccessible(mm, old))
        {
            FlushTlbPage(mm, address);
        }

        return old;
    }

    /// <summary>
    /// pte_accessible: may a TLB still hold a translation from this (just cleared) entry, so
    /// that ptep_clear_flush must flush it? The generic answer is yes for anything present,
    /// PROT_NONE included (asm-generic says yes to everything). Useful to override if your
    /// hardware never caches an invalid entry (x86 checks its Present bit, and for PROT_NONE
    /// whether a protection change's flush is still pending, 20841405940e).
    /// </summary>
    public virtual bool PteAccessible(MmStruct mm, ulong pte) => Pte.Present(pte);

    /// <summary>
    /// pte_needs_flush / huge_pmd_needs_flush: after change_protection turned
    /// <paramref name="oldPte"/> into <paramref name="newPte"/> in place, must the TLBs be
    /// flushed? The generic answer is always (asm-generic). Useful to override if your
    /// architecture knows which changes a stale entry cannot get wrong (x86: c9fe66560bf2).
    /// </summary>
    public virtual bool PteNeedsFlush(ulong oldPte, ulong newPte) => true;

    /// <summary>
    /// pmdp_invalidate_ad: make a huge PMD not present for change_huge_pmd and return its last
    /// value (Accessed and Dirty included). The generic version is <see cref="PmdpInvalidate"/>,
    /// which flushes at once. Useful to override if your hardware sets Accessed/Dirty
    /// atomically, so no flush is needed here (x86: 4f83145721f3); the caller's gather flushes.
    /// </summary>
    public virtual ulong PmdpInvalidateAd(MmStruct mm, ulong address, PtDesc pmdTable, int index) =>
        PmdpInvalidate(mm, address, pmdTable, index);

    /// <summary>
    /// ptep_modify_prot_start: begin a protection change of a present PTE (change_pte_range).
    /// The generic version clears the entry, so that a hardware Dirty update cannot race the
    /// change; the caller commits the new value with <see cref="PtepModifyProtCommit"/> under
    /// the same lock and flushes (through its gather) before the protection change returns.
    /// Useful to override if your architecture has a cheaper atomic update.
    /// </summary>
    public virtual ulong PtepModifyProtStart(MmStruct mm, ulong address, PtDesc table, int index) =>
        PtepGetAndClear(mm, address, table, index, full: false);

    /// <summary>ptep_modify_prot_commit: install the changed entry begun by <see cref="PtepModifyProtStart"/>.</summary>
    public virtual void PtepModifyProtCommit(MmStruct mm, ulong address, PtDesc table, int index, ulong oldPte, ulong pte) =>
        SetPteAt(mm, address, table, index, pte);

    /// <summary>
    /// ptep_set_wrprotect: atomically drop write permission from a present PTE, keeping a
    /// Dirty bit the hardware may set concurrently (fork's copy_present_pte on the parent).
    /// The TLBs may still hold the writable entry: the caller flushes before it relies on
    /// the protection. Useful to override if your architecture must hear of the change
    /// (a hash table or TSB entry still grants write; s390 uses IPTE).
    /// </summary>
    public virtual void PtepSetWrprotect(MmStruct mm, ulong address, PtDesc table, int index)
    {
        Pte.PtepSetWrprotect(table.Entries, index);
        Kernel.Observer.LeafProtected(mm.Id, address, PageLevel.Pte, Pte.Pfn(table.Entries[index]));
    }

    /// <summary>
    /// pmdp_set_wrprotect: drop write permission from a huge PMD (fork's copy_huge_pmd). As
    /// for <see cref="PtepSetWrprotect"/>, the TLBs may still hold the writable huge entry
    /// until the caller flushes. Useful to override if your architecture must hear of the
    /// change: call <see cref="PmdpSetWrprotectByExchange"/>.
    /// </summary>
    public virtual void PmdpSetWrprotect(MmStruct mm, ulong address, PtDesc pmdTable, int index)
    {
        Pte.PtepSetWrprotect(pmdTable.Entries, index);
        Kernel.Observer.LeafProtected(mm.Id, address, PageLevel.Pmd, Pte.Pfn(pmdTable.Entries[index]));
    }

    /// <summary>
    /// pmdp_set_wrprotect as an exchange (s390's pmdp_xchg, powerpc's pmd_hugepage_update,
    /// sparc64's set_pmd_at): the huge entry is cleared through <see cref="PmdpHugeGetAndClear"/>,
    /// so the back-end invalidates it as it does any cleared huge PMD, and installed again
    /// read-only, all under the PMD lock the caller holds.
    /// </summary>
    protected void PmdpSetWrprotectByExchange(MmStruct mm, ulong address, PtDesc pmdTable, int index)
    {
        ulong old = PmdpHugeGetAndClear(mm, address, pmdTable, index, full: false);
        SetPteAt(mm, address, pmdTable, index, Pte.WrProtect(old));
    }

    /// <summary>
    /// pmdp_invalidate: make a huge PMD not present (keeping its value for the caller) and
    /// flush its range from every TLB before returning, so that split_huge_pmd can fill the
    /// PTE table while no CPU can still use the huge translation. Useful to override if your
    /// architecture invalidates a segment in one instruction (s390 IDTE).
    /// </summary>
    public virtual ulong PmdpInvalidate(MmStruct mm, ulong address, PtDesc pmdTable, int index)
    {
        ulong span = Kernel.Geometry.EntrySpan(PageLevel.Pmd);
        ulong start = address & ~(span - 1);
        ulong old = PmdpHugeGetAndClear(mm, start, pmdTable, index, full: false);
        FlushTlbRange(mm, start, start + span, PageLevel.Pmd, freedTables: false);
        return old;
    }

    // ------------------------------------------------------------ direct flushes (asm/tlbflush.h)

    /// <summary>
    /// flush_tlb_range: invalidate [start, end) of mm, cleared at <paramref name="level"/>,
    /// on every CPU that may hold it, outside any gather. The generic version hands the range
    /// to <see cref="TlbFlush"/>, which every back-end already implements as its
    /// flush_tlb_mm_range; override it only if your flush_tlb_range differs from tlb_flush.
    /// </summary>
    public virtual void FlushTlbRange(MmStruct mm, ulong start, ulong end, int level, bool freedTables)
    {
        Kernel.Counters.Add(Counter.DirectFlushes);
        TlbFlush(Gather.RangeOnly(Kernel, mm, start, end, level, freedTables));
    }

    /// <summary>
    /// flush_tlb_page: one base page of mm. Useful to override if your architecture's
    /// flush_tlb_range is wider than a leaf flush (arm64) while flush_tlb_page is not.
    /// </summary>
    public virtual void FlushTlbPage(MmStruct mm, ulong address)
    {
        ulong page = address & Kernel.Geometry.PageMask;
        FlushTlbRange(mm, page, page + Kernel.Geometry.PageSize, PageLevel.Pte, freedTables: false);
    }

    /// <summary>flush_tlb_mm: all of mm's user translations, on every CPU that may hold them.</summary>
    public void FlushTlbMm(MmStruct mm) => FlushTlbRange(mm, 0, ulong.MaxValue, PageLevel.Pte, freedTables: false);

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
