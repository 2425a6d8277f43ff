using System.Numerics;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.Arm64;

/// <summary>
/// arm64 (arch/arm64/include/asm/tlb.h and tlbflush.h, 4 KiB granule).
///
/// <para><b>Invariant:</b> every invalidation is a TLBI broadcast to the inner-shareable
/// domain and completed by a DSB before tlb_flush returns, so when the gather frees a page
/// no CPU's TLB (or, when tables were freed, walk cache) still holds what was unhooked. The
/// one exception is deliberate: an exiting mm whose tables survive (fullmm, nothing freed)
/// is not flushed at all, because its ASID is never handed out again before a rollover
/// invalidates every TLB (<see cref="ArchMmu.RetireAsid"/>).</para>
///
/// <para>Decisions modelled:</para>
/// <list type="bullet">
/// <item>No IPI is ever sent: remote TLBs obey the broadcast whatever their interrupt state,
/// so nothing waits for an interrupts-off gup_fast walker and RCU table freeing (the generic
/// default) is what keeps it out of freed tables.</item>
/// <item>Leaf only (TLBI VALE1IS) unless tables were freed: a last-level TLBI leaves the walk
/// caches alone, so it is only enough while every table the walk caches point to survives;
/// with freed_tables the range goes out as TLBI VAE1IS, which drops walk-cache entries too.
/// (7a30df49f63a made the generic nested-gather flush keep freed_tables for this reason; the
/// <c>nested-flush-resets-freed-tables</c> bug switch reverts it.)</item>
/// <item>The stride is the smallest level cleared (tlb_get_unmap_size); a TTL level hint goes
/// with the TLBI when exactly one level was cleared and no table was freed (tlb_get_level).
/// The model only counts the hints (<c>tlbi_level_hints</c>): its TLB looks every entry up
/// whatever the hint.</item>
/// <item>Without FEAT_TLBIRANGE a range of <see cref="MaxDvmOps"/> strides or more (2 MiB of
/// 4 KiB pages) becomes one TLBI ASIDE1IS for the whole ASID; with it (<c>arm64-tlbirange</c>)
/// a range below 2^21 pages goes out in at most five range instructions
/// (<see cref="TlbiRange"/>).</item>
/// <item>fullmm (exit): no flush at all unless tables were freed, then TLBI ASIDE1IS.</item>
/// <item>The direct flush_tlb_range (mremap, pmdp_invalidate) always drops walk-cache
/// entries too; flush_tlb_page (ptep_clear_flush) is leaf only.</item>
/// </list>
///
/// <para>Not modelled: the ASID allocator and its rollover (every mm keeps its own tag for
/// good, so a retired tag is never reused), KPTI's second user ASID, FEAT_LPA2's alignment
/// rule for range operations, the DSB that a context switch issues (the model's flush is one
/// step, it cannot migrate between its TLBIs and its DSB), MMU notifiers.</para>
/// </summary>
public sealed class Arm64Mmu(Kernel kernel, bool rangeTlbi = false) : ArchMmu(kernel)
{
    public override string Name => rangeTlbi ? "arm64-tlbirange" : "arm64";

    /// <summary>MAX_DVM_OPS = PTRS_PER_PTE: the most single TLBIs one range flush may issue.</summary>
    public int MaxDvmOps => Kernel.Geometry.EntriesPerTable;

    /// <summary>tlb_flush.</summary>
    public override void TlbFlush(Gather tlb)
    {
        bool lastLevel = !tlb.FreedTables;
        if (tlb.FullMm)
        {
            FlushFullMm(tlb.Mm, lastLevel);
        }
        else if (tlb.NeedFlushAll)
        {
            TlbiAside1Is(tlb.Mm);
        }
        else
        {
            FlushTlbRange(tlb.Mm, tlb.Start, tlb.End, tlb.UnmapShift, lastLevel, TlbLevel(tlb));
        }
    }

    /// <summary>
    /// flush_tlb_range is never leaf-only on arm64 and carries no level hint: its callers may
    /// be invalidating a table entry (mremap's move_normal_pmd moves a whole PTE table,
    /// pmdp_invalidate turns a huge PMD into a table), so the walk caches must drop what they
    /// cached at the old address too (TLBI VAE1IS; the comment on arm64's flush_tlb_range says as much).
    /// </summary>
    public override void FlushTlbRange(MmStruct mm, ulong start, ulong end, int level, bool freedTables) =>
        base.FlushTlbRange(mm, start, end, level, freedTables: true);

    /// <summary>flush_tlb_page: one TLBI VALE1IS, leaf only (the entry was a page, never a table).</summary>
    public override void FlushTlbPage(MmStruct mm, ulong address)
    {
        ulong page = address & Kernel.Geometry.PageMask;
        base.FlushTlbRange(mm, page, page + Kernel.Geometry.PageSize, PageLevel.Pte, freedTables: false);
    }

    /// <summary>
    /// tlb_get_level: the TTL hint, 3 for PTEs, 2 for PMDs, 1 for PUDs, when that level alone
    /// was cleared; 0 (no hint) when tables were freed or several levels were cleared.
    /// </summary>
    private int TlbLevel(Gather tlb)
    {
        int levels = tlb.ClearedLevels;
        if (tlb.FreedTables || levels == 0 || !BitOperations.IsPow2(levels))
        {
            return 0;
        }

        int level = BitOperations.TrailingZeroCount(levels);
        int top = Kernel.Geometry.Levels - 1;
        return level < top ? top - level : 0;
    }

    /// <summary>
    /// The exit flush: the ASID dies with the mm, so leaf entries need nothing; freed tables
    /// still need the walk caches invalidated (a CPU may walk speculatively while it keeps the
    /// tables loaded).
    /// </summary>
    private void FlushFullMm(MmStruct mm, bool lastLevel)
    {
        if (lastLevel)
        {
            RetireAsid(mm);
        }
        else
        {
            TlbiAside1Is(mm);
        }
    }

    /// <summary>__flush_tlb_range: round to the stride, then per stride, per range, or the whole ASID.</summary>
    private void FlushTlbRange(MmStruct mm, ulong start, ulong end, int strideShift, bool lastLevel, int level)
    {
        ulong stride = 1UL << strideShift;
        start &= ~(stride - 1);
        end = (end + stride - 1) & ~(stride - 1);
        if (start >= end)
        {
            return;
        }

        long pages = (long)((end - start) >> Kernel.Geometry.PageShift);
        if ((!rangeTlbi && end - start >= (ulong)MaxDvmOps * stride) || pages >= TlbiRange.MaxPages)
        {
            TlbiAside1Is(mm);
            return;
        }

        CountHints(lastLevel, level);
        if (rangeTlbi)
        {
            BroadcastRangeInvalidate(mm, start, end, TlbiRange.Ops(pages), walkCaches: !lastLevel);
        }
        else
        {
            BroadcastInvalidate(mm, start, end, strideShift, walkCaches: !lastLevel);
        }
    }

    private void CountHints(bool lastLevel, int level)
    {
        if (lastLevel)
        {
            Kernel.Counters.Add(Counter.LastLevelFlushes);
        }

        if (level != 0)
        {
            Kernel.Counters.Add(Counter.TlbiLevelHints);
        }
    }

    /// <summary>flush_tlb_mm: TLBI ASIDE1IS, every entry of the ASID on every CPU, walk caches included.</summary>
    private void TlbiAside1Is(MmStruct mm) =>
        BroadcastInvalidate(mm, 0, ulong.MaxValue, Kernel.Geometry.PageShift, walkCaches: true);
}
