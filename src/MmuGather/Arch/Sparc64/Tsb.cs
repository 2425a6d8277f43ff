using MmuGather.Arch.Common;
using MmuGather.Mm;

namespace MmuGather.Arch.Sparc64;

/// <summary>
/// sparc64's translation storage buffer (arch/sparc/mm/tsb.c): a per-mm, direct-mapped cache
/// of translations in memory, which the TLB-miss path searches before the kernel walks the
/// page tables (sun4v's hardware tablewalk, sun4u's fast miss handler). A page's entry is
/// at its virtual page number modulo <see cref="Entries"/>; the tag says which page it holds.
///
/// <para><b>Invariant:</b> at most one entry per index, hence at most one per page, each a
/// copy of a PTE that was present when the TSB-miss handler loaded it; every entry that
/// appears or goes is reported to the observers, since every CPU running the mm may load it.</para>
///
/// <para>Not modelled: tsb_grow. Linux starts a TSB at 8 KiB and grows it with the RSS up to
/// 1 MiB; the model's has that largest size (65,536 entries) from the start. Two pages share
/// an entry less often, nothing else changes: flushes work per page, not per entry. Huge
/// mappings are kept at base-page granularity in this one TSB (Linux has a second TSB for them).</para>
/// </summary>
public sealed class Tsb(Kernel kernel, int asid)
{
    /// <summary>Entries of a 1 MiB TSB (16 bytes each).</summary>
    public const int Entries = 1 << 16;

    private readonly Dictionary<int, CachedTranslation> _entries = [];

    /// <summary>The address space whose TSB this is.</summary>
    public int Asid { get; } = asid;

    /// <summary>
    /// A full-mm teardown left entries here that no flush will remove (tlb_batch_add skips
    /// fullmm): the TSB is now only waiting to die with its context.
    /// </summary>
    public bool Abandoned { get; set; }

    /// <summary>The entry for the page at va, if the TSB holds it (tag compare).</summary>
    public bool TryLookup(ulong va, out CachedTranslation translation)
    {
        ulong page = va & kernel.Geometry.PageMask;
        return _entries.TryGetValue(Index(page), out translation) && translation.Va == page;
    }

    /// <summary>__update_mmu_tsb_insert: load an entry, pushing out whatever page held its index.</summary>
    public void Insert(CachedTranslation translation)
    {
        int index = Index(translation.Va);
        if (_entries.TryGetValue(index, out CachedTranslation old))
        {
            _entries.Remove(index);
            kernel.Observer.CachedTranslationRemoved(Asid, old.Va, old.Pfn);
        }

        _entries[index] = translation;
        kernel.Counters.Add(Counter.TsbFills);
        kernel.Observer.CachedTranslationInserted(Asid, translation.Va, translation.Pfn, translation.Writable);
    }

    /// <summary>
    /// __flush_tsb_one_entry for each base page of [va, va + size): invalidate the entry if
    /// its tag is that page's. One compare-and-invalidate per page, found or not.
    /// </summary>
    public void Flush(ulong va, ulong size)
    {
        for (ulong page = va; page < va + size; page += kernel.Geometry.PageSize)
        {
            kernel.Counters.Add(Counter.TsbInvalidations);
            kernel.Machine.Charge(kernel.Machine.Costs.Atomic);
            int index = Index(page);
            if (_entries.TryGetValue(index, out CachedTranslation t) && t.Va == page)
            {
                _entries.Remove(index);
                kernel.Observer.CachedTranslationRemoved(Asid, t.Va, t.Pfn);
            }
        }
    }

    private int Index(ulong page) => (int)((page >> kernel.Geometry.PageShift) & (Entries - 1));
}
