namespace MmuGather.Arch.PowerPcHash;

/// <summary>
/// One entry of ppc64_tlb_batch: the page whose PTE changed (its vpn) and the HPT slot the PTE
/// said held its HPTE (the hidx bits of real_pte_t). The slot may have been reused for another
/// page since: the flush checks before it clears (HPTE_V_COMPARE), and tlbies the page anyway.
/// </summary>
public readonly record struct HashFlush(ulong Va, int Slot);
