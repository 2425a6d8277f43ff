using MmuGather.Machine;
using MmuGather.Machine.Sync;
using MmuGather.Mm;

namespace MmuGather.Arch.S390;

/// <summary>
/// s390 (z/Architecture; arch/s390/include/asm/tlb.h, tlbflush.h, pgtable.h,
/// arch/s390/mm/pgtable.c, pgalloc.c). Invariant: a page is never freed while a TLB may
/// still translate to it, because the instruction that takes a valid entry out of a page
/// table also purges it from every CPU's TLB: IPTE (invalidate page table entry) for a PTE,
/// IDTE (invalidate DAT table entry) for a segment entry or a whole address space. The
/// architecture forbids changing a valid, attached entry any other way. So there is nothing
/// to gather:
/// <list type="bullet">
/// <item>MMU_GATHER_NO_GATHER: every unmapped page is freed at once; no delayed rmap (the
/// stale writable entry it guards against cannot exist after IPTE).</item>
/// <item>The invalidation is a broadcast done by the hardware: no IPI is sent, nobody waits
/// for a CPU to enable interrupts, so an interrupts-off gup_fast walker does not hold it up.
/// Page-table pages therefore go through RCU (MMU_GATHER_RCU_TABLE_FREE, the 2011 series'
/// conversion of s390).</item>
/// <item>tlb_flush only pays a purge that mm->context.flush_mm says is owed
/// (__tlb_flush_mm_lazy), set where a translation was left behind: a PTE invalidated lazily
/// (ptep_flush_lazy: the mm is attached to this CPU alone) and any page table unhooked
/// (pte_free_tlb and its siblings, 02e790ee3077).</item>
/// <item>A CPU attaching the mm pays an owed purge first (finish_arch_post_lock_switch).</item>
/// </list>
///
/// <para><b>Where the model departs from Linux</b> (docs/architectures.md explains each):
/// the IPTE runs inside ptep_get_and_clear as in Linux, but just after the cleared entry is
/// published to the observers, so they see the unhook before the invalidation; a lazily
/// invalidated PTE is purged from the local TLB at once (Linux leaves it until the flush_mm
/// purge; the model's flush-before-free rule does not accept a freed page still reachable
/// from that TLB); an exiting mm's PTEs get their IPTE like any other (Linux's
/// ptep_get_and_clear_full skips it when full, trusting that no CPU runs the dying mm; with
/// NO_GATHER the page is freed at once, and the model's rule would see the entry of a CPU
/// that still has the mm attached). Page tables are 256 entries in a page
/// of their own, as since d08d4e7cd6bf (before it two 2 KiB tables shared a page); upper
/// tables 2048 entries in one frame (16 KiB, four pages, in Linux).</para>
/// </summary>
public sealed class S390Mmu(Kernel kernel) : ArchMmu(kernel)
{
    /// <summary>
    /// z/Architecture DAT with four levels in use (region-second table on top, 8 PiB):
    /// 4 KiB pages, page tables of 256 entries (each maps 1 MiB: a segment, which is also the
    /// size of a large page), segment and region tables of 2048 entries.
    /// </summary>
    public static Geometry PageTableGeometry { get; } = new(12, [8, 11, 11, 11]);

    public override string Name => "s390";

    public override bool NoGather => true;

    /// <summary>s390 does not select HAVE_MOVE_PMD / HAVE_MOVE_PUD: mremap moves entry by entry, each cleared with IPTE.</summary>
    public override bool SupportsPageTableMove => false;

    public override void InitContext(MmStruct mm) =>
        mm.ArchContext = new S390Context(new Spinlock(Kernel.Machine, $"context.lock(mm{mm.Id})"));

    /// <summary>tlb_flush: __tlb_flush_mm_lazy; every page already had its IPTE, so only an owed purge is left.</summary>
    public override void TlbFlush(Gather tlb) => FlushMmLazy(tlb.Mm);

    /// <summary>
    /// ptep_get_and_clear(_full) as ptep_xchg_lazy: the clear, then the IPTE of the entry.
    /// Linux skips the IPTE for a full-mm teardown; the model does not (class comment).
    /// </summary>
    public override ulong PtepGetAndClear(MmStruct mm, ulong address, PtDesc table, int index, bool full)
    {
        ulong old = base.PtepGetAndClear(mm, address, table, index, full);
        InvalidateCleared(mm, address, PageLevel.Pte);
        return old;
    }

    /// <summary>pmdp_huge_get_and_clear as pmdp_xchg_lazy: the clear, then the IDTE of the segment entry.</summary>
    public override ulong PmdpHugeGetAndClear(MmStruct mm, ulong address, PtDesc pmdTable, int index, bool full)
    {
        ulong old = base.PmdpHugeGetAndClear(mm, address, pmdTable, index, full);
        InvalidateCleared(mm, address, PageLevel.Pmd);
        return old;
    }

    /// <summary>pmdp_set_wrprotect: the huge entry is exchanged, so it is invalidated as a cleared huge PMD is.</summary>
    public override void PmdpSetWrprotect(MmStruct mm, ulong address, PtDesc pmdTable, int index) =>
        PmdpSetWrprotectByExchange(mm, address, pmdTable, index);

    /// <summary>ptep_set_wrprotect as ptep_xchg_lazy: the entry is rewritten read-only and invalidated with IPTE.</summary>
    public override void PtepSetWrprotect(MmStruct mm, ulong address, PtDesc table, int index)
    {
        base.PtepSetWrprotect(mm, address, table, index);
        InvalidateCleared(mm, address, PageLevel.Pte);
    }

    /// <summary>pte_free_tlb and its siblings: the TLB may cache the unhooked table entry, so a purge is owed.</summary>
    public override void FreeTableTlb(Gather tlb, PtDesc table, ulong address) => Context(tlb.Mm).FlushMm = true;

    /// <summary>
    /// switch_mm_irqs_off and finish_arch_post_lock_switch: attach <paramref name="next"/> to
    /// this CPU (and detach <paramref name="prev"/>), then pay any purge owed on next before
    /// running it, so that a lazily invalidated entry this CPU cached earlier cannot be used.
    /// </summary>
    public override void SwitchMm(MmStruct? prev, MmStruct next)
    {
        base.SwitchMm(prev, next);
        ulong me = 1UL << Kernel.Machine.Current.Id;
        Context(next).AttachMask |= me;
        if (prev is not null && prev != next)
        {
            Context(prev).AttachMask &= ~me;
        }

        FlushMmLazy(next);
    }

    /// <summary>The CPU stops borrowing the mm: it is no longer attached.</summary>
    public override void LeaveMm(MmStruct mm)
    {
        Context(mm).AttachMask &= ~(1UL << Kernel.Machine.Current.Id);
        base.LeaveMm(mm);
    }

    /// <summary>
    /// ptep_xchg_lazy / pmdp_xchg_lazy after the entry at <paramref name="address"/> was
    /// cleared: if this CPU is the only one attached, the entry may be invalidated lazily
    /// (ptep_flush_lazy: no broadcast, flush_mm set; the model purges the local TLB, see the
    /// class comment); otherwise IPTE (level 0) or IDTE (level 1) purges it everywhere.
    /// </summary>
    private void InvalidateCleared(MmStruct mm, ulong address, int level)
    {
        int shift = Kernel.Geometry.EntryShift(level);
        ulong start = address & ~((1UL << shift) - 1);
        ulong end = start + (1UL << shift);
        S390Context ctx = Context(mm);
        Cpu self = Kernel.Machine.Current;
        if (ctx.AttachMask == 1UL << self.Id)
        {
            InvalidateRange(self, mm, start, end, shift, walkCaches: false);
            ctx.FlushMm = true;
            return;
        }

        BroadcastInvalidate(mm, start, end, shift, walkCaches: false);
    }

    /// <summary>__tlb_flush_mm_lazy: under context.lock, pay an owed purge (IDTE of the whole ASCE).</summary>
    private void FlushMmLazy(MmStruct mm)
    {
        S390Context ctx = Context(mm);
        ctx.Lock.Lock();
        if (ctx.FlushMm)
        {
            ctx.FlushMm = false;
            BroadcastInvalidate(mm, 0, ulong.MaxValue, Kernel.Geometry.PageShift, walkCaches: true);
        }

        ctx.Lock.Unlock();
    }

    private static S390Context Context(MmStruct mm) => (S390Context)mm.ArchContext!;
}
