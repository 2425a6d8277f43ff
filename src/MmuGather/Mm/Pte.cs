using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// The handful of page-table-entry accessors the model's kernel uses (docs/pte-accessors.md
/// lists each with its contract). Value accessors (<c>pte_*</c>) look at or build an entry;
/// pointer accessors (<c>ptep_*</c>) read or change an entry in a table, and are the only
/// code that writes entries. Entries use the hardware format of <see cref="PteBits"/>.
/// </summary>
public static class Pte
{
    /// <summary>_PAGE_SPECIAL: a software bit; the entry maps a page without a struct page (the zero page).</summary>
    public const ulong Special = 1UL << 9;

    /// <summary>
    /// _PAGE_PROTNONE (x86: the Global bit's position, meaningless in a user entry): a
    /// PROT_NONE mapping keeps its page with the hardware Present bit clear, so every access
    /// faults while the kernel still sees the page as mapped (pte_present is true).
    /// </summary>
    public const ulong ProtNone = 1UL << 8;

    /// <summary>_PAGE_NX: the entry forbids instruction fetches (a vma without VM_EXEC).</summary>
    public const ulong NoExec = 1UL << 63;

    public static bool None(ulong pte) => pte == 0;

    /// <summary>pte_present / pmd_present: maps a page, even if PROT_NONE makes the hardware ignore it.</summary>
    public static bool Present(ulong pte) => (pte & (PteBits.Present | ProtNone)) != 0;

    /// <summary>The hardware may use the entry (its Present bit): present and not PROT_NONE.</summary>
    public static bool Valid(ulong pte) => (pte & PteBits.Present) != 0;

    /// <summary>pte_protnone: present for the kernel, invalid for the hardware.</summary>
    public static bool IsProtNone(ulong pte) => (pte & (PteBits.Present | ProtNone)) == ProtNone;

    public static bool Write(ulong pte) => (pte & PteBits.Write) != 0;

    public static bool Dirty(ulong pte) => (pte & PteBits.Dirty) != 0;

    public static bool Young(ulong pte) => (pte & PteBits.Accessed) != 0;

    public static bool IsSpecial(ulong pte) => (pte & Special) != 0;

    /// <summary>pmd_trans_huge: a PMD entry that maps a huge page.</summary>
    public static bool TransHuge(ulong pmd) => Present(pmd) && (pmd & PteBits.Huge) != 0;

    public static int Pfn(ulong pte) => PteBits.Pfn(pte);

    /// <summary>pfn_pte: a present user entry for pfn, writable if asked.</summary>
    public static ulong PfnPte(int pfn, bool writable) => PteBits.Make(pfn, PteBits.Present | PteBits.User | (writable ? PteBits.Write : 0));

    /// <summary>pXd_populate's value: an entry pointing at the next-level table.</summary>
    public static ulong TableEntry(int tablePfn) => PteBits.Make(tablePfn, PteBits.Present | PteBits.Write | PteBits.User);

    public static ulong MkDirty(ulong pte) => pte | PteBits.Dirty;

    public static ulong MkClean(ulong pte) => pte & ~PteBits.Dirty;

    public static ulong MkYoung(ulong pte) => pte | PteBits.Accessed;

    /// <summary>pte_mkold: clear the accessed bit (fork's copy in the child).</summary>
    public static ulong MkOld(ulong pte) => pte & ~PteBits.Accessed;

    public static ulong MkWrite(ulong pte) => pte | PteBits.Write;

    public static ulong WrProtect(ulong pte) => pte & ~PteBits.Write;

    public static ulong MkHuge(ulong pmd) => pmd | PteBits.Huge;

    /// <summary>
    /// pte_modify / pmd_modify: the same page, Accessed and Dirty bits (the x86
    /// _PAGE_CHG_MASK) with new protection bits: valid or PROT_NONE,
    /// writable or not, executable or not. The Dirty bit moves with the entry, so a dirty file
    /// page write-protected here is still found dirty by writeback.
    /// </summary>
    public static ulong Modify(ulong pte, bool accessible, bool writable, bool exec)
    {
        ulong kept = pte & ~(PteBits.Present | ProtNone | PteBits.Write | NoExec);
        ulong access = accessible ? PteBits.Present : ProtNone;
        return kept | access | (writable && accessible ? PteBits.Write : 0) | (exec ? 0 : NoExec);
    }

    /// <summary>ptep_get: one read of the entry (the hardware may change A/D bits between reads).</summary>
    public static ulong PtepGet(ulong[] table, int index) => table[index];

    /// <summary>set_pte_at: install an entry. The slot must be empty or the caller must have flushed the old one.</summary>
    public static void SetPteAt(ulong[] table, int index, ulong pte) => table[index] = pte;

    /// <summary>
    /// ptep_get_and_clear_full: atomically read and clear, returning the last value, so A/D bits
    /// set by a concurrent hardware walk are not lost. The caller owns the TLB invalidation.
    /// </summary>
    public static ulong PtepGetAndClear(ulong[] table, int index)
    {
        ulong old = table[index];
        table[index] = 0;
        return old;
    }

    /// <summary>pte_clear / pmd_clear: clear an entry whose old value the caller already has.</summary>
    public static void Clear(ulong[] table, int index) => table[index] = 0;

    /// <summary>ptep_set_wrprotect: atomically drop write permission (keeps the dirty bit).</summary>
    public static void PtepSetWrprotect(ulong[] table, int index) => table[index] = WrProtect(table[index]);

    /// <summary>ptep_test_and_clear_young: atomically clear the accessed bit, saying if it was set.</summary>
    public static bool PtepTestAndClearYoung(ulong[] table, int index)
    {
        ulong old = table[index];
        table[index] = old & ~PteBits.Accessed;
        return Young(old);
    }
}
