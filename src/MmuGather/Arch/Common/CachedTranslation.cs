namespace MmuGather.Arch.Common;

/// <summary>
/// One entry of a translation cache the kernel keeps for the MMU: an HPTE of powerpc's hashed
/// page table, an entry of sparc64's TSB. It maps one base page of one address space.
///
/// <para><b>Invariant:</b> it was copied from a present Linux PTE (or huge PMD, whose folio
/// head <see cref="Pfn"/> is then) and records the frame's <see cref="Generation"/> at that
/// moment, so a TLB filled from a stale entry is caught by the stale-TLB checker.
/// <see cref="Writable"/> only if the PTE was writable and dirty: a store to a clean page
/// must trap so that the kernel can set the dirty bit (htab_convert_pte_flags, sparc64's
/// software dirty bit).</para>
/// </summary>
public readonly record struct CachedTranslation(int Asid, ulong Va, int Pfn, uint Generation, bool Writable, bool Dirty);
