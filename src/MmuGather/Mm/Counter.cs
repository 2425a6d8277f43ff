namespace MmuGather.Mm;

/// <summary>What the kernel counts. The JSON key is the snake_case name (PagesFreed: pages_freed).</summary>
public enum Counter
{
    /// <summary>User frames returned to the allocator (a huge folio counts all its frames).</summary>
    PagesFreed,
    /// <summary>Page-table frames returned to the allocator (after the RCU grace period where deferred).</summary>
    PageTablesFreed,
    /// <summary>Calls of the architecture's tlb_flush from the gather.</summary>
    TlbFlushes,
    /// <summary>Flushes forced because the page batches were full.</summary>
    GatherForcedFlushes,
    GatherBatchPagesAllocated,
    GatherBatchAllocFailures,
    /// <summary>Table batches handed to RCU (full, or at flush).</summary>
    TableBatchFlushes,
    TableBatchAllocFailures,
    /// <summary>Tables freed singly after a sync IPI because no table batch could be had.</summary>
    TablesFreedOneByOne,
    /// <summary>tlb_finish_mmu saw another gather on the same mm and flushed everything.</summary>
    NestedGatherFlushes,
    PageFaults,
    LocalPageInvalidations,
    LocalFullFlushes,
    RemotePartialFlushes,
    RemoteFullFlushes,
    /// <summary>
    /// x86 flush rounds sent with another CPU in mm_cpumask (lazy CPUs included, before they
    /// are filtered out), whether or not any IPI then goes out: where Linux's native_flush_tlb_multi
    /// emits the tlb:tlb_flush tracepoint with reason TLB_REMOTE_SEND_IPI, the counter
    /// <c>mmugather native</c> reads on the host.
    /// </summary>
    RemoteFlushRounds,
    RcuGracePeriods,
    GupFastPages,
    CondResched,
    /// <summary>User accesses that ended in SIGSEGV (an access to unmapped memory).</summary>
    UserSegv,
    /// <summary>Faults that failed for want of memory (VM_FAULT_OOM): populate stops there, a touch stops its step.</summary>
    FaultOom,
    /// <summary>Processes that never started: no memory for their pgd (fork/exec fail with ENOMEM).</summary>
    ProcessesNotStarted,
    /// <summary>Broadcast flushes (INVLPGB, TLBI IS, tlbie) instead of IPIs.</summary>
    BroadcastFlushes,
    /// <summary>Broadcast invalidation operations issued (one per page or range; one for a whole mm).</summary>
    BroadcastInvalidations,
    /// <summary>Dirty page-cache pages written back.</summary>
    WritebackPages,
    /// <summary>PTEs write-protected and cleaned by folio_mkclean.</summary>
    MkCleanPtes,
    /// <summary>PTE tables MADV_DONTNEED unhooked because its zap left them empty (CONFIG_PT_RECLAIM).</summary>
    PteTablesReclaimed,
    /// <summary>Faults and rmap walks that locked a PTE table PT_RECLAIM had unhooked meanwhile, and walked again.</summary>
    PteTableRetries,

    // ---- arm64, powerpc radix, RISC-V back-ends (Arch/Arm64, Arch/PowerPcRadix, Arch/RiscV) ----

    /// <summary>Leaf-only broadcast flushes (arm64 TLBI VALE1IS: the walk caches are left alone).</summary>
    LastLevelFlushes,
    /// <summary>arm64 range flushes that carried a TTL level hint (exactly one level cleared, no table freed).</summary>
    TlbiLevelHints,
    /// <summary>fullmm flushes skipped because the ASID is never reused before a rollover (arm64 exit without freed tables).</summary>
    FullMmFlushesSkipped,
    /// <summary>powerpc radix page-walk-cache flushes (RIC=1 with a range, RIC=2 for a whole PID).</summary>
    PageWalkCacheFlushes,
    /// <summary>RISC-V SBI remote fence calls (sbi_remote_sfence_vma_asid).</summary>
    SbiRemoteFences,
    /// <summary>Remote harts the SBI firmware interrupted (in M-mode) to fence for those calls.</summary>
    SbiRemoteHarts,

    // ---- powerpc hash and sparc64 back-ends (Arch/PowerPcHash, Arch/Sparc64, Arch/Common) ----

    /// <summary>Per-CPU invalidation batches drained (ppc64_tlb_batch, sparc64 tlb_batch): full, at lazy-MMU exit, or by tlb_flush.</summary>
    LazyMmuBatchFlushes,
    /// <summary>HPTEs hash_page put in the hashed page table (powerpc hash).</summary>
    HpteInserts,
    /// <summary>HPTEs pushed out of a full group to make room (hpte_remove; no tlbie).</summary>
    HpteEvictions,
    /// <summary>HPTE invalidations issued for changed PTEs (flush_hash_page), each followed by a tlbie.</summary>
    HpteInvalidations,
    /// <summary>TSB entries loaded by the TSB-miss handler from the page tables (sparc64).</summary>
    TsbFills,
    /// <summary>TSB entry invalidations issued for changed PTEs (flush_tsb_user), before the TLB flush.</summary>
    TsbInvalidations,
    /// <summary>Direct flushes outside a gather (flush_tlb_range, flush_tlb_page, flush_tlb_mm: mremap, fork, ptep_clear_flush).</summary>
    DirectFlushes,

    // ---- mremap (Mm/Mremap.cs, Mm/MremapMove.cs) ----

    /// <summary>mremap calls that moved the mapping (move_vma).</summary>
    MremapMoves,
    /// <summary>PTEs moved one by one by move_ptes.</summary>
    MremapPtesMoved,
    /// <summary>Page tables moved whole by their pointer (move_normal_pmd / move_normal_pud).</summary>
    MremapTablesMoved,
    /// <summary>mremap calls that failed (EFAULT: not one vma; ENOMEM: cannot grow in place and may not move).</summary>
    MremapFailed,
    /// <summary>Huge PMDs moved by move_huge_pmd.</summary>
    MremapHugePmdsMoved,
    /// <summary>Huge PMDs split into a PTE table because a walker acted on part of the huge page (split_huge_pmd).</summary>
    HugePmdSplits,

    // ---- fork (Mm/Fork.cs) ----

    /// <summary>Anonymous pages fork copied for the child at once because they may be pinned for DMA (copy_present_page).</summary>
    ForkPinnedCopies,
}
