using MmuGather.Arch.Common;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.Sparc64;

/// <summary>
/// sparc64 (arch/sparc/mm/tlb.c, tsb.c, include/asm/tlbflush_64.h, tlb_64.h,
/// kernel/smp_64.c). A TLB miss searches the mm's TSB (<see cref="Tsb"/>, through
/// <see cref="TsbRefill"/>); a TSB miss traps to the kernel, which walks the page tables and
/// loads the TSB (<see cref="TranslationCacheMmu{T}.HandleMmuMiss"/>). TLB invalidation is
/// local only, so other CPUs are asked by cross-call.
///
/// <para><b>Invariant:</b> a changed PTE leaves no trace once its PTE lock is released: every
/// change of a valid PTE queues its page in this CPU's tlb_batch (tlb_batch_add, from
/// set_pte_at and ptep_get_and_clear), and the batch is drained when lazy-MMU mode is left,
/// before zap_pte_range drops the lock: first the TSB entries (flush_tsb_user), so that no
/// TLB miss reloads what the TLB flush drops, then the TLB of every CPU in mm_cpumask,
/// by cross-call, and of this one (smp_flush_tlb_pending).</para>
///
/// <para>Decisions modelled:</para>
/// <list type="bullet">
/// <item>Every valid PTE is flushed when it changes, touched or not (the TSB is searched by
/// tag, so a page never loaded costs one compare).</item>
/// <item>A full-mm teardown batches nothing (tlb_batch_add skips fullmm) and tlb_flush does
/// nothing at exit: the context dies with the mm, its TSB with it (destroy_context), and the
/// tag is not used again without a flush, so the model retires the tag
/// (<see cref="ArchMmu.RetireAsid"/>). Huge PMDs are flushed even then (set_pmd_at has no
/// fullmm case).</item>
/// <item>Cross-calls go to mm_cpumask, the CPUs the mm ever ran on (its bits are not cleared
/// on a switch since bafb056ce279), including idle ones; none for an mm that ran only here.</item>
/// <item>flush_tlb_range and flush_tlb_mm are empty; MMU_GATHER_MERGE_VMAS; RCU table
/// freeing for gup_fast; no table invalidation (the hardware never reads the tables).</item>
/// </list>
///
/// <para>Not modelled: 8 KiB base pages and the 4 MiB huge TSB (the model maps huge folios
/// at base-page granularity in the one TSB), tsb_grow, context-number allocation and its
/// wrap-around flush, D-cache aliasing flushes, sun4u's locked TSB entries.</para>
/// </summary>
public sealed class Sparc64Mmu : TranslationCacheMmu<ulong>
{
    private readonly TsbRefill _refill;

    public Sparc64Mmu(Kernel kernel)
        : base(kernel)
    {
        _refill = new TsbRefill(kernel.Machine);
        AttachTranslationCache(_refill);
    }

    public override string Name => "sparc64";

    public override bool MergeVmas => true;

    /// <summary>The TSB-miss trap handler's walk of the page tables, at trap level (an estimate).</summary>
    protected override long MissHandlerCycles => 4 * Kernel.Machine.Costs.TlbMiss;

    /// <summary>init_new_context: the mm's TSB.</summary>
    public override void InitContext(MmStruct mm) => mm.ArchContext = new Tsb(Kernel, mm.Id);

    private static Tsb TsbOf(MmStruct mm) => (Tsb)mm.ArchContext!;

    /// <summary>switch_mm: the generic switch, then tsb_context_switch loads the mm's TSB into the CPU.</summary>
    public override void SwitchMm(MmStruct? prev, MmStruct next)
    {
        base.SwitchMm(prev, next);
        _refill.Load(Kernel.Machine.Current, TsbOf(next));
    }

    public override void LeaveMm(MmStruct mm)
    {
        base.LeaveMm(mm);
        _refill.Load(Kernel.Machine.Current, null);
    }

    /// <summary>
    /// ptep_get_and_clear_full: the clear is a set_pte_at of an empty entry, which calls
    /// tlb_batch_add for the valid entry it replaced; a full-mm teardown adds nothing, its
    /// TSB is abandoned instead.
    /// </summary>
    public override ulong PtepGetAndClear(MmStruct mm, ulong address, PtDesc table, int index, bool full)
    {
        ulong old = base.PtepGetAndClear(mm, address, table, index, full);
        if (full)
        {
            TsbOf(mm).Abandoned = true;
            return old;
        }

        QueueInvalidation(mm, Kernel.Geometry.PageShift, address & Kernel.Geometry.PageMask);
        return old;
    }

    /// <summary>pmdp_set_wrprotect: the huge entry is exchanged, so it is invalidated as a cleared huge PMD is.</summary>
    public override void PmdpSetWrprotect(MmStruct mm, ulong address, PtDesc pmdTable, int index) =>
        PmdpSetWrprotectByExchange(mm, address, pmdTable, index);

    /// <summary>ptep_set_wrprotect: a set_pte_at over a valid entry, so tlb_batch_add queues it too.</summary>
    public override void PtepSetWrprotect(MmStruct mm, ulong address, PtDesc table, int index)
    {
        base.PtepSetWrprotect(mm, address, table, index);
        QueueInvalidation(mm, Kernel.Geometry.PageShift, address & Kernel.Geometry.PageMask);
    }

    /// <summary>pmdp_huge_get_and_clear is set_pmd_at on a huge PMD: tlb_batch_add_one with the huge page size, fullmm or not.</summary>
    public override ulong PmdpHugeGetAndClear(MmStruct mm, ulong address, PtDesc pmdTable, int index, bool full)
    {
        ulong old = base.PmdpHugeGetAndClear(mm, address, pmdTable, index, full);
        ulong span = Kernel.Geometry.EntrySpan(PageLevel.Pmd);
        QueueInvalidation(mm, Kernel.Geometry.EntryShift(PageLevel.Pmd), address & ~(span - 1));
        return old;
    }

    /// <summary>
    /// tlb_flush = flush_tlb_pending. After a full-mm teardown left PTEs unflushed, the dying
    /// context's tag is retired instead (not for a gather that only turned full-mm at
    /// tlb_finish_mmu because another zapped alongside: its entries were all flushed).
    /// </summary>
    public override void TlbFlush(Gather tlb)
    {
        base.TlbFlush(tlb);
        if (TsbOf(tlb.Mm).Abandoned)
        {
            RetireAsid(tlb.Mm);
        }
    }

    /// <summary>
    /// The TSB-miss handler loads the PTE (__update_mmu_tsb_insert). When the TSB already held
    /// the page, the trap came from a TLB copy with fewer rights (a store after a write fault
    /// upgraded the PTE in place): the TSB entry takes the new rights and this CPU's copy is
    /// demapped, so the retried store misses and reloads. Other CPUs' read-only copies are
    /// harmless: they trap the same way.
    /// </summary>
    protected override void RefillCache(MmStruct mm, CachedTranslation translation)
    {
        Tsb tsb = TsbOf(mm);
        bool held = tsb.TryLookup(translation.Va, out CachedTranslation old) && old.Pfn == translation.Pfn;
        if (!held || (translation.Writable && !old.Writable))
        {
            tsb.Insert(translation);
        }

        if (held)
        {
            InvalidateRange(Kernel.Machine.Current, mm, translation.Va, translation.Va + Kernel.Geometry.PageSize, Kernel.Geometry.PageShift, walkCaches: false);
        }
    }

    /// <summary>
    /// flush_tlb_pending: flush_tsb_user first, then smp_flush_tlb_pending, a cross-call to the
    /// other CPUs of mm_cpumask (waiting for each), then this CPU's own demaps.
    /// </summary>
    protected override void FlushInvalidations(MmStruct mm, int pageShift, ReadOnlyMemory<ulong> pending)
    {
        Tsb tsb = TsbOf(mm);
        foreach (ulong va in pending.Span)
        {
            tsb.Flush(va, 1UL << pageShift);
        }

        List<(ulong Start, ulong End)> runs = PageRuns.Of(pending.ToArray(), pageShift);
        Cpu self = Kernel.Machine.Current;
        ulong others = mm.CpuMask.Read() & ~(1UL << self.Id);
        if (others != 0)
        {
            Kernel.Machine.SendIpiAndWait(IpiKind.TlbFlush, others, cpu => Demap(cpu, mm, runs, pageShift));
        }

        Demap(self, mm, runs, pageShift);
    }

    /// <summary>__flush_tlb_pending on one CPU: a demap per page (one per huge page) in the mm's context.</summary>
    private void Demap(Cpu cpu, MmStruct mm, List<(ulong Start, ulong End)> runs, int pageShift)
    {
        foreach (var (start, end) in runs)
        {
            InvalidateRange(cpu, mm, start, end, pageShift, walkCaches: false);
        }
    }
}
