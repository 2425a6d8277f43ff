namespace MmuGather.Arch.PowerPcHash;

/// <summary>
/// The hash half of powerpc's mm->context: which PTEs hash_page hashed, and into which HPT
/// slot. Linux keeps this in the PTE itself (H_PAGE_HASHPTE and the slot index, or beside
/// the PTE table with 64 KiB pages); the model keeps it here, keyed by page, so that generic
/// code that copies PTE values never carries it along.
///
/// <para><b>Invariant:</b> a page has an entry from the moment hash_page hashes its present
/// PTE until the PTE changes (<see cref="TryTake"/> in the per-entry hooks); the slot may have
/// been evicted meanwhile, as H_PAGE_HASHPTE outlives an eviction too.</para>
/// </summary>
public sealed class HashContext
{
    private readonly Dictionary<ulong, int> _slotOf = [];

    /// <summary>hash_page recorded <paramref name="slot"/> in the PTE of the page at va.</summary>
    public void Record(ulong va, int slot) => _slotOf[va] = slot;

    /// <summary>The slot recorded for the page's PTE, if it is marked hashed.</summary>
    public bool TryGet(ulong va, out int slot) => _slotOf.TryGetValue(va, out slot);

    /// <summary>The PTE changes: it is no longer hashed; returns the slot to flush, if it was.</summary>
    public bool TryTake(ulong va, out int slot) => _slotOf.Remove(va, out slot);
}
