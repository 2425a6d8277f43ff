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
    RcuGracePeriods,
    GupFastPages,
    CondResched,
    /// <summary>User accesses that ended in SIGSEGV (an access to unmapped memory).</summary>
    UserSegv,
    /// <summary>Faults that failed for want of memory (VM_FAULT_OOM): populate stops there, a touch stops its step.</summary>
    FaultOom,
    /// <summary>Broadcast flushes (INVLPGB, TLBI IS, tlbie) instead of IPIs.</summary>
    BroadcastFlushes,
    /// <summary>Broadcast invalidation operations issued (one per page or range; one for a whole mm).</summary>
    BroadcastInvalidations,
    /// <summary>Dirty page-cache pages written back.</summary>
    WritebackPages,
    /// <summary>PTEs write-protected and cleaned by folio_mkclean.</summary>
    MkCleanPtes,
}
