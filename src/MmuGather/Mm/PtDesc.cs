using MmuGather.Machine.Sync;

namespace MmuGather.Mm;

/// <summary>
/// struct ptdesc: the kernel's descriptor of a page-table page. For PTE tables it carries
/// the split PTE lock (USE_SPLIT_PTE_PTLOCKS), so zapping one 2 MiB range never contends with
/// faults elsewhere. The entries themselves live in the frame (PhysicalMemory.TableEntries).
/// For a THP mapping, the PTE table deposited under the huge PMD is also a PtDesc.
/// </summary>
public sealed class PtDesc(int pfn, int level, ulong[] entries, Spinlock ptl)
{
    public int Pfn { get; } = pfn;

    public int Level { get; } = level;

    public ulong[] Entries { get; } = entries;

    /// <summary>The split page-table lock (ptlock_ptr).</summary>
    public Spinlock Ptl { get; } = ptl;

    /// <summary>
    /// The entry above no longer points here (pmd_clear by free_pgtables or PT_RECLAIM). A
    /// table sits in one slot for its whole life, so this stands for Linux's pmd_same
    /// re-check under the PTE lock (pte_offset_map_lock): whoever found the table before it
    /// was unhooked and locks it afterwards must let go and walk again.
    /// </summary>
    public bool Unhooked { get; set; }
}
