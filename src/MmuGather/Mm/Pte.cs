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

    public static bool None(ulong pte) => pte == 0;

    public static bool Present(ulong pte) => (pte & PteBits.Present) != 0;

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
