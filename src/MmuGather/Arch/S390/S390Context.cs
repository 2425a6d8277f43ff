using MmuGather.Machine.Sync;

namespace MmuGather.Arch.S390;

/// <summary>
/// s390's mm->context, the part the gather needs. Invariant: while <see cref="FlushMm"/> is
/// false, no CPU's TLB holds a translation of this mm that its page tables no longer have;
/// whoever leaves one behind sets it (a PTE invalidated lazily, a page table unhooked), and
/// whoever clears it purges the whole mm on every CPU first (arch/s390/include/asm/mmu.h,
/// tlbflush.h).
/// </summary>
internal sealed class S390Context(Spinlock contextLock)
{
    /// <summary>
    /// context.cpu_attach_mask: the CPUs that have this mm attached (its ASCE loaded), idle
    /// ones that still borrow it included. A PTE may be invalidated lazily only when this
    /// CPU is the only one in it.
    /// </summary>
    public ulong AttachMask { get; set; }

    /// <summary>context.flush_mm: a purge of the whole mm is owed (__tlb_flush_mm_lazy pays it).</summary>
    public bool FlushMm { get; set; }

    /// <summary>context.lock: serialises the test and clear of <see cref="FlushMm"/> with the purge.</summary>
    public Spinlock Lock { get; } = contextLock;
}
