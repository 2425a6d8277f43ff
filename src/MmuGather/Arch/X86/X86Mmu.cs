using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.X86;

/// <summary>
/// x86-64 (arch/x86/mm/tlb.c, arch/x86/include/asm/tlb.h). Invalidation is local only
/// (INVLPG, CR3 reload), so other CPUs are asked by IPI: one IPI round per gather flush to
/// the CPUs of mm_cpumask that run the mm. Decisions modelled:
/// <list type="bullet">
/// <item>More than <see cref="SinglePageFlushCeiling"/> pages (tlb_single_page_flush_ceiling):
/// a full flush instead of INVLPGs.</item>
/// <item>Lazy-TLB CPUs are skipped, unless page tables were freed: a lazy CPU still has the
/// old CR3 loaded and may walk it speculatively, so it must drop it (it switches to init_mm).</item>
/// <item>A receiving CPU flushes only the range if it is exactly one generation behind, for
/// this very request; otherwise (it missed one, or the request is "all") everything.</item>
/// <item>MMU_GATHER_MERGE_VMAS and, since v6.15, RCU table freeing unconditionally.</item>
/// <item>Optionally (<c>x86-invlpgb</c>) AMD's INVLPGB: an mm active on
/// <see cref="InvlpgbMinCpus"/> or more CPUs is invalidated by a broadcast instruction that
/// every CPU's TLB and walk caches obey, with no IPI. Nothing then waits for an
/// interrupts-off walker, so only RCU table freeing keeps gup_fast out of freed tables.</item>
/// </list>
/// </summary>
public sealed class X86Mmu(Kernel kernel, bool invlpgb = false) : ArchMmu(kernel)
{
    /// <summary>INVLPGB is used for mms active on at least this many CPUs (reference §4).</summary>
    public const int InvlpgbMinCpus = 3;

    /// <summary>tlb_single_page_flush_ceiling: INVLPG at most this many pages, else flush all.</summary>
    public const int SinglePageFlushCeiling = 33;

    public override string Name => invlpgb ? "x86-invlpgb" : "x86";

    public override bool MergeVmas => true;

    public override bool SupportsPtReclaim => true;

    public override bool FoldsP4dAtRunTime => true;

    public override void InitContext(MmStruct mm) => mm.ArchContext = new X86Context(Kernel.Machine.Cpus.Count);

    /// <summary>
    /// x86's pte_accessible: the hardware caches only entries with the Present bit, but a
    /// PROT_NONE entry may still be cached from before while a protection change's flush is
    /// pending (mm->tlb_flush_pending, raised by the gather of mprotect), 20841405940e:
    /// <code>
    /// CPU0 mprotect(PROT_NONE): PTE -> protnone, PTL dropped, flush not yet sent
    /// CPU2 writeback: folio_mkclean: ptep_clear_flush sees "not accessible": no flush;
    ///      page cleaned                        CPU1 stores through its stale writable entry
    /// CPU0 tlb_finish_mmu: flush (too late)    -> the store is in a clean page: lost
    /// </code>
    /// </summary>
    public override bool PteAccessible(MmStruct mm, ulong pte)
    {
        if (Pte.Valid(pte))
        {
            return true;
        }

        return Pte.IsProtNone(pte) && mm.TlbFlushPending.Read() > 0 && !Kernel.Has(KernelBug.PteAccessibleIgnoresPendingFlush);
    }

    /// <summary>
    /// pte_needs_flush / huge_pmd_needs_flush (c9fe66560bf2): no flush when the old entry was
    /// not valid for the hardware, or when only bits a stale entry cannot get wrong changed
    /// (Accessed, or Dirty/Present set rather than cleared); a changed frame, a cleared
    /// Present or Dirty bit, or any change of Write or NX flushes (a stale read-only entry
    /// would fault spuriously, so even a rights upgrade flushes).
    /// </summary>
    public override bool PteNeedsFlush(ulong oldPte, ulong newPte)
    {
        if (!Pte.Valid(oldPte))
        {
            return false;
        }

        if (Pte.Pfn(oldPte) != Pte.Pfn(newPte))
        {
            return true;
        }

        const ulong flushOnClear = PteBits.Dirty | PteBits.Present;
        const ulong flushOnChange = PteBits.Write | PteBits.User | PteBits.Huge | Pte.ProtNone | Pte.NoExec;
        ulong diff = oldPte ^ newPte;
        return (diff & oldPte & flushOnClear) != 0 || (diff & flushOnChange) != 0;
    }

    /// <summary>
    /// pmdp_invalidate_ad (4f83145721f3): x86 sets Accessed and Dirty atomically and only in a
    /// present entry, so change_huge_pmd needs no immediate flush; its gather flushes.
    /// </summary>
    public override ulong PmdpInvalidateAd(MmStruct mm, ulong address, PtDesc pmdTable, int index) =>
        PmdpHugeGetAndClear(mm, address & ~(Kernel.Geometry.EntrySpan(PageLevel.Pmd) - 1), pmdTable, index, full: false);

    /// <summary>tlb_flush: flush_tlb_mm_range over the gathered range (everything for fullmm).</summary>
    public override void TlbFlush(Gather tlb)
    {
        bool all = tlb.FullMm || tlb.NeedFlushAll;
        FlushTlbMmRange(tlb.Mm, all ? 0 : tlb.Start, all ? FlushTlbInfo.FlushAll : tlb.End, tlb.UnmapShift, tlb.FreedTables);
    }

    /// <summary>switch_mm_irqs_off: load the mm, and catch up on flushes this CPU missed.</summary>
    public override void SwitchMm(MmStruct? prev, MmStruct next)
    {
        base.SwitchMm(prev, next);
        Cpu cpu = Kernel.Machine.Current;
        var ctx = (X86Context)next.ArchContext!;
        long mmGen = next.TlbGen.Read();
        if (ctx.LocalTlbGen[cpu.Id] < mmGen)
        {
            FlushLocalAll(cpu, next);
            ctx.LocalTlbGen[cpu.Id] = mmGen;
        }
    }

    /// <summary>flush_tlb_mm_range.</summary>
    public void FlushTlbMmRange(MmStruct mm, ulong start, ulong end, int strideShift, bool freedTables)
    {
        // get_cpu(): the flush runs on one CPU from start to end, however long the IPIs take.
        Kernel.Machine.PreemptDisable();
        FlushTlbMmRangeOnThisCpu(mm, start, end, strideShift, freedTables);
        Kernel.Machine.PreemptEnable();
    }

    private void FlushTlbMmRangeOnThisCpu(MmStruct mm, ulong start, ulong end, int strideShift, bool freedTables)
    {
        if (end != FlushTlbInfo.FlushAll && ((end - start) >> strideShift) > SinglePageFlushCeiling)
        {
            start = 0;
            end = FlushTlbInfo.FlushAll;
        }

        // inc_mm_tlb_gen: this request's generation; a CPU exactly one behind it may flush the range only.
        var info = new FlushTlbInfo(start, end, strideShift, freedTables, mm.TlbGen.IncrementAndGet());
        Cpu self = Kernel.Machine.Current;
        if (invlpgb && ulong.PopCount(mm.CpuMask.Read()) >= InvlpgbMinCpus)
        {
            BroadcastFlush(mm, info);
            return;
        }

        if ((mm.CpuMask.Read() & ~(1UL << self.Id)) != 0)
        {
            FlushTlbMulti(mm, info);
        }
        else if (Kernel.ActiveMm(self.Id) == mm)
        {
            bool irqs = Kernel.Machine.LocalIrqSave();
            FlushTlbFunc(mm, info, local: true);
            Kernel.Machine.LocalIrqRestore(irqs);
        }
    }

    /// <summary>
    /// native_flush_tlb_multi: the local CPU flushes itself; each remote CPU that runs the mm
    /// (or every CPU in the mask when tables were freed) gets an IPI and the sender waits.
    /// </summary>
    private void FlushTlbMulti(MmStruct mm, FlushTlbInfo info)
    {
        // trace_tlb_flush(TLB_REMOTE_SEND_IPI, ...): once per round, before the lazy CPUs are filtered out.
        Kernel.Counters.Add(Counter.RemoteFlushRounds);
        Cpu self = Kernel.Machine.Current;
        ulong targets = 0;
        for (int cpu = 0; cpu < Kernel.Machine.Cpus.Count; cpu++)
        {
            bool lazyMustDrop = info.FreedTables && !Kernel.Has(KernelBug.X86LazySkipFreedTables);
            if (cpu != self.Id && mm.InCpuMask(cpu) && (lazyMustDrop || ShouldFlushTlb(cpu, mm)))
            {
                targets |= 1UL << cpu;
            }
        }

        if (targets != 0 && !Kernel.Has(KernelBug.SkipRemoteFlush))
        {
            Kernel.Machine.SendIpiAndWait(IpiKind.TlbFlush, targets, _ => FlushTlbFunc(mm, info, local: false));
        }

        if (mm.InCpuMask(self.Id))
        {
            bool irqs = Kernel.Machine.LocalIrqSave();
            FlushTlbFunc(mm, info, local: true);
            Kernel.Machine.LocalIrqRestore(irqs);
        }
    }

    /// <summary>INVLPGB + TLBSYNC: every CPU drops the range (walk caches too), nobody is interrupted.</summary>
    private void BroadcastFlush(MmStruct mm, FlushTlbInfo info)
    {
        BroadcastInvalidate(mm, info.Start, info.End, info.StrideShift, walkCaches: true);
        var ctx = (X86Context)mm.ArchContext!;
        long mmGen = mm.TlbGen.Read();
        foreach (Cpu cpu in Kernel.Machine.Cpus)
        {
            if (Kernel.ActiveMm(cpu.Id) == mm)
            {
                ctx.LocalTlbGen[cpu.Id] = mmGen;
            }
        }
    }

    /// <summary>should_flush_tlb: lazy CPUs catch up at their next switch; others only if they run the mm.</summary>
    private bool ShouldFlushTlb(int cpu, MmStruct mm) => !Kernel.IsLazy(cpu) && Kernel.ActiveMm(cpu) == mm;

    /// <summary>flush_tlb_func: runs on the CPU being flushed (locally, or from the IPI).</summary>
    private void FlushTlbFunc(MmStruct mm, FlushTlbInfo info, bool local)
    {
        Cpu cpu = Kernel.Machine.Current;
        if (Kernel.ActiveMm(cpu.Id) != mm)
        {
            // Left in the mask from an earlier switch: trim it, nothing of this mm is loaded.
            mm.CpuMask.Clear(cpu.Id);
            return;
        }

        if (Kernel.IsLazy(cpu.Id))
        {
            // Only reached when tables were freed: stop using the mm's tables at all.
            Kernel.LeaveLazyMm();
            return;
        }

        var ctx = (X86Context)mm.ArchContext!;
        long localGen = ctx.LocalTlbGen[cpu.Id];
        long mmGen = mm.TlbGen.Read();
        if (localGen == mmGen || info.NewTlbGen <= localGen)
        {
            return; // already caught up by a later full flush
        }

        bool partial = info.End != FlushTlbInfo.FlushAll && info.NewTlbGen == localGen + 1 && info.NewTlbGen == mmGen;
        if (partial)
        {
            FlushLocalRange(cpu, mm, info);
            if (!local)
            {
                Kernel.Counters.Add(Counter.RemotePartialFlushes);
            }
        }
        else
        {
            FlushLocalAll(cpu, mm);
            if (!local)
            {
                Kernel.Counters.Add(Counter.RemoteFullFlushes);
            }
        }

        ctx.LocalTlbGen[cpu.Id] = mmGen;
    }

    /// <summary>INVLPG per stride; INVLPG also empties the walk caches of the current PCID (Intel SDM 4.10.4.1).</summary>
    private void FlushLocalRange(Cpu cpu, MmStruct mm, FlushTlbInfo info) =>
        InvalidateRange(cpu, mm, info.Start, info.End, info.StrideShift, walkCaches: true);

    /// <summary>flush_tlb_local: CR3 reload, every entry and walk-cache entry of this PCID.</summary>
    private void FlushLocalAll(Cpu cpu, MmStruct mm) => InvalidateAll(cpu, mm);
}
