using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.PowerPcRadix;

/// <summary>
/// powerpc Book3S-64 with the radix MMU (arch/powerpc/mm/book3s64/radix_tlb.c,
/// radix__tlb_flush and __radix__flush_tlb_range_psize).
///
/// <para><b>Invariant:</b> when tlb_flush returns, every CPU that ever ran the mm has dropped
/// what was unhooked: the mm runs, or ran, on other CPUs (mm_cpumask holds more than this
/// one), and tlbie broadcasts the invalidation in hardware; or only this CPU ever ran it, and
/// the local tlbiel is enough. When tables were freed the page-walk cache (PWC) of the PID
/// is flushed as well.</para>
///
/// <para>Decisions modelled:</para>
/// <list type="bullet">
/// <item>Global (tlbie, no IPI) unless the mm is thread-local, i.e. mm_cpumask is exactly
/// this CPU (mm_is_thread_local); bits are never cleared on a switch, so an mm that ran
/// elsewhere once stays global.</item>
/// <item>Ceilings: more than <see cref="SinglePageFlushCeiling"/> pages globally
/// (tlb_single_page_flush_ceiling) or <see cref="LocalSinglePageFlushCeiling"/> locally
/// (tlb_local_single_page_flush_ceiling, twice POWER9's radix TLB sets) flush the whole PID
/// instead of page by page.</item>
/// <item>freed_tables: the range flush also flushes the PWC (RIC=1), a whole-PID flush uses
/// RIC=2 ("flush all", TLB and PWC); fullmm and need_flush_all always flush everything with
/// RIC=2.</item>
/// <item>The page size of the flush is the gather's stride (the model has no
/// MMU_GATHER_PAGE_SIZE: it does not force a flush when the page size changes mid-gather).</item>
/// <item>MMU_GATHER_MERGE_VMAS (powerpc selects it) and RCU table freeing: tlbie does not
/// wait for an interrupts-off gup_fast walker.</item>
/// </list>
///
/// <para><b>Table fragments (not modelled).</b> Radix page tables are smaller than a page:
/// with 64 KiB pages a PTE table is 32 entries (256 bytes), so one page holds 256 of them,
/// and a PMD table (4 KiB) is one of 16 fragments of its page (RADIX_PTE_FRAG_NR,
/// RADIX_PMD_FRAG_NR); the page goes back to the allocator only when its last fragment is
/// freed, through RCU like any table. The model runs the 4 KiB geometry, where radix-4k.h
/// has one fragment per page, so every table is a whole frame and nothing is lost.</para>
///
/// <para>Also not modelled: the single-threaded trim (exit_flush_lazy_tlbs IPIs that let a
/// lone thread go local again), the tlbie lock and the tlbiel multicast fallback
/// (cputlb_use_tlbie), coprocessors (nMMU), hypervisor-assisted invalidation (H_RPT_INVALIDATE).</para>
/// </summary>
public sealed class PowerPcRadixMmu(Kernel kernel) : ArchMmu(kernel)
{
    /// <summary>tlb_single_page_flush_ceiling: tlbie at most this many pages, else the whole PID.</summary>
    public const int SinglePageFlushCeiling = 33;

    /// <summary>tlb_local_single_page_flush_ceiling: tlbiel at most this many pages, else the whole PID.</summary>
    public const int LocalSinglePageFlushCeiling = 256;

    public override string Name => "ppc-radix";

    public override bool MergeVmas => true;

    /// <summary>radix__tlb_flush.</summary>
    public override void TlbFlush(Gather tlb)
    {
        // preempt_disable: the local-or-global decision holds only on the CPU that made it.
        Kernel.Machine.PreemptDisable();
        bool local = IsThreadLocal(tlb.Mm);
        if (tlb.FullMm || tlb.NeedFlushAll)
        {
            FlushPid(tlb.Mm, local, alsoPwc: true);
        }
        else
        {
            FlushRange(tlb.Mm, tlb.Start, tlb.End, tlb.UnmapShift, local, alsoPwc: tlb.FreedTables);
        }

        Kernel.Machine.PreemptEnable();
    }

    /// <summary>mm_is_thread_local: mm_cpumask is exactly the current CPU.</summary>
    private bool IsThreadLocal(MmStruct mm) => mm.CpuMask.Read() == 1UL << Kernel.Machine.Current.Id;

    /// <summary>__radix__flush_tlb_range_psize: page by page below the ceiling, else the whole PID.</summary>
    private void FlushRange(MmStruct mm, ulong start, ulong end, int pageShift, bool local, bool alsoPwc)
    {
        ulong pages = end > start ? (end - start) >> pageShift : 0;
        if (pages > (ulong)(local ? LocalSinglePageFlushCeiling : SinglePageFlushCeiling))
        {
            FlushPid(mm, local, alsoPwc);
            return;
        }

        CountPwc(alsoPwc);
        if (local)
        {
            InvalidateRange(Kernel.Machine.Current, mm, start, end, pageShift, walkCaches: alsoPwc);
        }
        else
        {
            BroadcastInvalidate(mm, start, end, pageShift, walkCaches: alsoPwc);
        }
    }

    /// <summary>
    /// _tlbiel_pid / _tlbie_pid: every entry of the PID, RIC=2 with the PWC. The model's
    /// whole-PID flush always drops the PWC too, which only over-invalidates RIC=0.
    /// </summary>
    private void FlushPid(MmStruct mm, bool local, bool alsoPwc)
    {
        CountPwc(alsoPwc);
        if (local)
        {
            InvalidateAll(Kernel.Machine.Current, mm);
        }
        else
        {
            BroadcastInvalidate(mm, 0, ulong.MaxValue, Kernel.Geometry.PageShift, walkCaches: true);
        }
    }

    private void CountPwc(bool alsoPwc)
    {
        if (alsoPwc)
        {
            Kernel.Counters.Add(Counter.PageWalkCacheFlushes);
        }
    }
}
