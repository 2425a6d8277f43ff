using MmuGather.Machine;
using MmuGather.Machine.Sync;

namespace MmuGather.Mm;

/// <summary>
/// struct mm_struct: one address space. Holds the vma list, the page-table root, the mmap
/// lock (a reader-writer semaphore), the page_table_lock that guards upper-level table
/// installs, mm_cpumask (CPUs that may hold translations), the TLB generation x86 uses to
/// decide partial or full remote flushes, and tlb_flush_pending, the count of gathers in
/// flight that lets tlb_finish_mmu notice a parallel zapper (99baac21e458).
/// </summary>
public sealed class MmStruct
{
    private readonly List<Vma> _vmas = [];

    internal MmStruct(SimMachine machine, int id, string name, PtDesc pgd)
    {
        Id = id;
        MmapLock = new RwSemaphore(machine, $"mmap_lock(mm{id})");
        PageTableLock = new Spinlock(machine, $"page_table_lock(mm{id})");
        CpuMask = new AtomicBitmask(machine);
        TlbGen = new AtomicCounter(machine, 1);
        TlbFlushPending = new AtomicCounter(machine, 0);
        Users = new AtomicCounter(machine, 0);
        MmCount = new AtomicCounter(machine, 1);
        Name = name;
        Pgd = pgd;
    }

    /// <summary>The mm's id, used as its ASID/PCID tag in every TLB.</summary>
    public int Id { get; }

    public string Name { get; }

    public PtDesc Pgd { get; }

    public RwSemaphore MmapLock { get; }

    /// <summary>mm->page_table_lock: guards installing upper-level tables and huge PMDs.</summary>
    public Spinlock PageTableLock { get; }

    /// <summary>mm_cpumask: bit i set while CPU i may hold translations of this mm.</summary>
    public AtomicBitmask CpuMask { get; }

    /// <summary>mm->context.tlb_gen: bumped by every flush request (x86; harmless elsewhere).</summary>
    public AtomicCounter TlbGen { get; }

    /// <summary>mm->tlb_flush_pending: gathers in progress on this mm.</summary>
    public AtomicCounter TlbFlushPending { get; }

    /// <summary>
    /// mm->write_protect_seq (57efa1fe5957): odd while fork write-protects this mm's pages
    /// for copy-on-write; gup_fast (FOLL_PIN) gives up if it is odd when it starts or changed
    /// by the time it ends.
    /// </summary>
    public int WriteProtectSeq { get; internal set; }

    /// <summary>mm_users: live threads.</summary>
    public AtomicCounter Users { get; }

    /// <summary>mm_count: references that keep the struct (and pgd) alive, lazy-TLB CPUs included.</summary>
    public AtomicCounter MmCount { get; }

    /// <summary>Set once exit_mmap has torn the address space down.</summary>
    public bool Dead { get; internal set; }

    /// <summary>Per-architecture context (mm->context), owned by the back-end.</summary>
    public object? ArchContext { get; set; }

    public IReadOnlyList<Vma> Vmas => _vmas;

    /// <summary>find_vma: the first vma with End &gt; addr, or null.</summary>
    public Vma? FindVma(ulong addr)
    {
        int lo = 0;
        int hi = _vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_vmas[mid].End <= addr)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo < _vmas.Count ? _vmas[lo] : null;
    }

    public int IndexOf(Vma vma) => _vmas.IndexOf(vma);

    internal void InsertVma(Vma vma)
    {
        int i = 0;
        while (i < _vmas.Count && _vmas[i].Start < vma.Start)
        {
            i++;
        }

        _vmas.Insert(i, vma);
    }

    internal void RemoveVma(Vma vma) => _vmas.Remove(vma);

    public bool InCpuMask(int cpu) => CpuMask.Test(cpu);

    public override string ToString() => $"mm{Id}({Name})";
}
