namespace MmuGather.Mm;

/// <summary>
/// How the walkers that Linux 6.18 still flushes directly (mremap's move_page_tables, fork's
/// dup_mmap) invalidate the TLB. Scenario name under <c>kernel: { flush_api: ... }</c>.
/// </summary>
public enum FlushApi
{
    /// <summary>
    /// <c>linux</c>, the default: what 6.18 does. mremap flushes the moved range with
    /// flush_tlb_range before it drops the old PTE lock; fork write-protects the parent and
    /// calls flush_tlb_mm at the end of dup_mmap; mprotect goes through a gather (4a18419f71cd).
    /// </summary>
    Linux,

    /// <summary>
    /// <c>gather</c>: the 2007 series' design, in which every walker that must invalidate
    /// goes through an mmu_gather (range tracking, one flush at the end), leaving
    /// flush_tlb_kernel_range as the only direct flush.
    /// </summary>
    Gather,
}
