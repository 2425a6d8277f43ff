namespace MmuGather.Mm;

/// <summary>
/// Which generation of struct mmu_gather the kernel runs. The default is today's gather; the
/// other value brings back the one the 2011 "mmu_gather rework" (merged for v3.0) replaced,
/// so that the latency the rework removed can be measured side by side (docs/cost-model.md).
/// </summary>
public enum GatherMode
{
    /// <summary>
    /// Today's gather (mm/mmu_gather.c): lives on the caller's stack, preemptible outside
    /// the page-table locks, an 8-slot embedded batch plus page-sized batches, pages freed
    /// outside the PTE lock with a reschedule point every 512.
    /// </summary>
    Current,

    /// <summary>
    /// Every 2.6 kernel up to v2.6.39 (asm-generic/tlb.h): the per-CPU mmu_gathers taken with
    /// get_cpu_var, so preemption is off from tlb_gather_mmu to tlb_finish_mmu; one fixed
    /// array of FREE_PTE_NR = 506 pages, nothing allocated; a full array is flushed and
    /// freed on the spot by tlb_remove_page, under the PTE lock; no reschedule point while
    /// the gather lives (a fullmm gather is not pinned: see Gather). Scenario name
    /// <c>percpu-2.6</c>.
    /// </summary>
    PerCpu26,
}
