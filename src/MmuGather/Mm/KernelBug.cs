namespace MmuGather.Mm;

/// <summary>
/// Deliberately broken variants of the model, switched on by name (scenario
/// <c>kernel: { bugs: [...] }</c>) so that every checker can be shown to fire.
/// docs/bugs.md describes each and the interleaving that breaks.
/// </summary>
[Flags]
public enum KernelBug
{
    None = 0,
    /// <summary>tlb_flush_mmu frees the gathered pages before it flushes the TLB.</summary>
    FreeBeforeFlush = 1 << 0,
    /// <summary>x86 sends no flush IPI: only the local CPU is invalidated.</summary>
    SkipRemoteFlush = 1 << 1,
    /// <summary>zap_pte_range frees the batch before dropping the PTE lock (may sleep under a spinlock).</summary>
    FlushUnderPtl = 1 << 2,
    /// <summary>tlb_finish_mmu forgets to give the batch pages back.</summary>
    LeakGatherBatches = 1 << 3,
    /// <summary>tlb_finish_mmu ignores a parallel gather on the same mm (reverts 99baac21e458).</summary>
    NestedFlush = 1 << 4,
    /// <summary>A forced flush in zap_pte_range leaves out the page that filled the batch (reverts e6c495a96ce0).</summary>
    FullBatchRange = 1 << 5,
    /// <summary>A dirty shared page's rmap goes at zap time, before the flush (reverts 5df397dec7c4 / 1cf35d47712d).</summary>
    EarlyRmap = 1 << 6,
    /// <summary>Table batches are freed right after the TLB flush, without a grace period (no MMU_GATHER_RCU_TABLE_FREE).</summary>
    NoRcuTableFree = 1 << 7,
    /// <summary>The single-table fallback frees without invalidating the TLB first (reverts 0ed1325967ab).</summary>
    TableFreeNoInvalidate = 1 << 8,
    /// <summary>x86 skips lazy-TLB CPUs even when page tables were freed (they may still walk them speculatively).</summary>
    X86LazySkipFreedTables = 1 << 9,
    /// <summary>
    /// The nested-gather flush resets the range, freed_tables included, so arm64 goes leaf-only
    /// and walk caches keep pointers to freed tables (reverts 7a30df49f63a; arm64 scenario).
    /// </summary>
    NestedFlushResetsFreedTables = 1 << 10,
    /// <summary>
    /// powerpc hash drains its per-CPU HPTE batch after the PTE lock is dropped instead of before
    /// (the 2007 problem the "hook before PTE pages are unlocked" fixed): a fault in between
    /// hashes a second HPTE for the page while the stale one still maps the old frame.
    /// </summary>
    PpcHashLateFlush = 1 << 11,
    /// <summary>
    /// change_pte_range / change_huge_pmd record no flush range: mprotect returns while every
    /// CPU may keep the rights it took away (the checker demonstration for stale-permission).
    /// </summary>
    MprotectNoFlush = 1 << 20,
    /// <summary>
    /// x86's pte_accessible ignores mm->tlb_flush_pending for PROT_NONE entries (reverts
    /// 20841405940e): ptep_clear_flush skips the flush while mprotect's flush is still pending.
    /// </summary>
    PteAccessibleIgnoresPendingFlush = 1 << 21,
    /// <summary>
    /// mremap's move_ptes flushes the moved entries only at the end of move_page_tables, after
    /// the PTE locks are dropped (reverts eb66ae030829, CVE-2018-18281, and 5d1904204c99 before
    /// it): an rmap walker that finds the new PTE in between cleans the page while another CPU
    /// still stores through its TLB entry for the old address.
    /// </summary>
    MremapLateFlush = 1 << 12,

    /// <summary>
    /// fork's dup_mmap returns without its final flush_tlb_mm(oldmm) (a deliberately broken
    /// kernel, scenarios/broken/): a parent CPU keeps its writable TLB entry for a page that
    /// copy_present_pte write-protected and now shares with the child, and stores through it.
    /// </summary>
    ForkNoFlush = 1 << 22,

    /// <summary>
    /// Before 57efa1fe5957 ("mm/gup: prevent gup_fast from racing with COW during fork",
    /// v5.11): no mm->write_protect_seq. fork's copy_present_pte finds the page unpinned,
    /// gup_fast reads the still-writable PTE, pins the page and sees the PTE unchanged, then
    /// fork write-protects it and shares it with the child: the pinned page (a DMA target)
    /// now belongs to both, and the parent's next write copies it away from the pin.
    /// </summary>
    GupFastForkRace = 1 << 23,
}
