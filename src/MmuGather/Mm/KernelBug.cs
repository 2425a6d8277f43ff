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
}
