using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.Common;

/// <summary>
/// What powerpc hash and sparc64 share: the MMU never walks the Linux page tables. After a
/// TLB miss it looks in a translation cache the kernel keeps (powerpc's hashed page table,
/// sparc64's TSB); when that misses too, a kernel handler walks the page tables in software
/// and loads the cache from the PTE (hash_page, the TSB-miss handler:
/// <see cref="HandleMmuMiss"/>). So every change of a PTE the cache may hold must reach the
/// cache as well as the TLBs: the change queues an invalidation in a per-CPU batch of
/// <see cref="BatchCapacity"/> entries while lazy-MMU mode is active, and the batch is
/// drained (cache entries first, then the TLBs of every CPU) when it fills and when
/// lazy-MMU mode is left, which zap_pte_range does before it drops the PTE lock (the 2007
/// series' "hook before PTE pages are unlocked"). Outside lazy-MMU mode a change is
/// flushed on the spot (hpte_need_flush, tlb_batch_add_one with no active batch).
///
/// <para><b>Invariant:</b> when a PTE lock is released, the batch of the CPU that held it is
/// empty: no cache entry and no TLB copy of a PTE changed under that lock survives it, so a
/// fault that takes the lock next cannot find the PTE gone while the old translation still
/// works (two HPTEs for one page). tlb_flush only drains what is left on its CPU (nothing,
/// unless a bug switch deferred the drain); flush_tlb_range and flush_tlb_mm have nothing to do.</para>
///
/// <para>Back-ends say what a pending entry is (<typeparamref name="TPending"/>), how to load
/// the cache (<see cref="RefillCache"/>) and how to drain a batch
/// (<see cref="FlushInvalidations"/>), and call <see cref="QueueInvalidation"/> from their
/// per-entry hooks. The batch is keyed by mm and page size: an entry of another mm or size
/// drains the batch first, as both kernels do.</para>
/// </summary>
public abstract class TranslationCacheMmu<TPending> : ArchMmu
    where TPending : struct
{
    /// <summary>PPC64_TLB_BATCH_NR (tlbflush-hash.h) and TLB_BATCH_NR (sparc tlbflush_64.h): both 192.</summary>
    public const int BatchCapacity = 192;

    private readonly LazyMmuBatch<TPending>[] _batches;

    protected TranslationCacheMmu(Kernel kernel)
        : base(kernel)
    {
        _batches = new LazyMmuBatch<TPending>[kernel.Machine.Cpus.Count];
        for (int i = 0; i < _batches.Length; i++)
        {
            _batches[i] = new LazyMmuBatch<TPending>(BatchCapacity);
        }
    }

    /// <summary>
    /// tlb_needs_table_invalidate is false: the hardware never reads the Linux page tables,
    /// so a freed table leaves nothing to invalidate (sparc tlb_64.h says so; powerpc's is
    /// radix_enabled()). The software walkers that do read them (hash_page, the TSB-miss
    /// handler, gup_fast) run with interrupts off and are covered by RCU table freeing.
    /// </summary>
    public override bool NeedsTableInvalidate => false;

    /// <summary>
    /// No page-table moves for mremap: every moved PTE must reach the hash table / TSB through
    /// the PTE accessors (powerpc's arch_supports_page_table_move() is radix_enabled(); sparc64
    /// does not select HAVE_MOVE_PMD).
    /// </summary>
    public override bool SupportsPageTableMove => false;

    /// <summary>Cycles of the handler the MMU traps to when its cache misses (an estimate per back-end).</summary>
    protected abstract long MissHandlerCycles { get; }

    /// <summary>
    /// Whether leaving lazy-MMU mode drains the batch (it always does in Linux since 2007; a
    /// bug switch may defer the drain to the next tlb_flush or full batch).
    /// </summary>
    protected virtual bool DrainOnLazyMmuExit => true;

    private LazyMmuBatch<TPending> CurrentBatch => _batches[Kernel.Machine.Current.Id];

    /// <summary>arch_enter_lazy_mmu_mode: batch->active = 1.</summary>
    public override void EnterLazyMmuMode() => CurrentBatch.Active = true;

    /// <summary>arch_leave_lazy_mmu_mode: drain what was queued, before the caller drops its PTE lock.</summary>
    public override void LeaveLazyMmuMode()
    {
        LazyMmuBatch<TPending> batch = CurrentBatch;
        if (DrainOnLazyMmuExit)
        {
            Drain(batch);
        }

        batch.Active = false;
    }

    /// <summary>
    /// tlb_flush (hash__tlb_flush, sparc64's flush_tlb_pending): drain this CPU's batch, with
    /// preemption off since the batch is per-CPU (get_cpu_var). The per-entry hooks already
    /// flushed everything the gather unhooked.
    /// </summary>
    public override void TlbFlush(Gather tlb)
    {
        Kernel.Machine.PreemptDisable();
        Drain(CurrentBatch);
        Kernel.Machine.PreemptEnable();
    }

    /// <summary>
    /// The MMU's miss handler (hash_page, the TSB-miss handler): walk the page tables in
    /// software; if the PTE allows the access, set its accessed bit (and dirty bit on a store,
    /// as hash_page and sparc64's fault path do) and load it into the cache; the access is
    /// then retried. Runs without a lock and with no scheduling point, as the real handlers
    /// run with interrupts off against PTE updates that are atomic.
    /// </summary>
    public sealed override bool HandleMmuMiss(MmStruct mm, ulong address, bool write)
    {
        Kernel.Machine.Charge(MissHandlerCycles);
        if (!FindLeaf(mm, address, out ulong[] table, out int index))
        {
            return false;
        }

        ulong entry = table[index];
        if (write && !Pte.Write(entry))
        {
            return false; // a protection fault: the generic fault path decides (COW, write-notify)
        }

        // The accessed and dirty bits are updated in place, atomically, like a hardware walk does.
        entry = write ? Pte.MkDirty(Pte.MkYoung(entry)) : Pte.MkYoung(entry);
        table[index] = entry;
        int pfn = Pte.Pfn(entry);
        var translation = new CachedTranslation(
            mm.Id,
            address & Kernel.Geometry.PageMask,
            pfn,
            Kernel.Machine.Memory.Generation(pfn),
            Writable: Pte.Write(entry) && Pte.Dirty(entry),
            Dirty: Pte.Dirty(entry));
        RefillCache(mm, translation);
        return true;
    }

    /// <summary>Loads <paramref name="translation"/> into the cache, replacing any entry of the same page.</summary>
    protected abstract void RefillCache(MmStruct mm, CachedTranslation translation);

    /// <summary>
    /// Drains <paramref name="pending"/> (all of mm, pages of 2^<paramref name="pageShift"/>
    /// bytes): the cache entries first, then every TLB that may hold a copy.
    /// </summary>
    protected abstract void FlushInvalidations(MmStruct mm, int pageShift, ReadOnlyMemory<TPending> pending);

    /// <summary>
    /// A PTE the cache may hold changed (hpte_need_flush, tlb_batch_add_one): queue its
    /// invalidation if lazy-MMU mode is active on this CPU, else flush it now. Called with the
    /// page-table lock held, so the CPU cannot change under the batch.
    /// </summary>
    protected void QueueInvalidation(MmStruct mm, int pageShift, TPending entry)
    {
        LazyMmuBatch<TPending> batch = CurrentBatch;
        if (!batch.Active)
        {
            FlushInvalidations(mm, pageShift, new[] { entry });
            return;
        }

        if (!batch.Accepts(mm, pageShift))
        {
            Drain(batch);
        }

        batch.Add(mm, pageShift, entry);
        if (batch.IsFull)
        {
            Drain(batch);
        }
    }

    /// <summary>Points the machine's TLB refill at the back-end's cache and tells the observers TLBs are filled from it.</summary>
    protected void AttachTranslationCache(ITlbRefill refill)
    {
        Kernel.Machine.TlbRefill = refill;
        Kernel.Observer.TranslationCacheAttached();
    }

    /// <summary>__flush_tlb_pending / flush_tlb_pending: flush and empty the batch, if anything is in it.</summary>
    private void Drain(LazyMmuBatch<TPending> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        Kernel.Counters.Add(Counter.LazyMmuBatchFlushes);
        FlushInvalidations(batch.Mm!, batch.PageShift, batch.Pending);
        batch.Clear();
    }

    /// <summary>find_linux_pte: the leaf entry (PTE or huge PMD) mapping address, if present.</summary>
    private bool FindLeaf(MmStruct mm, ulong address, out ulong[] table, out int index)
    {
        Geometry g = Kernel.Geometry;
        PtDesc node = mm.Pgd;
        for (int level = g.Levels - 1; ; level--)
        {
            table = node.Entries;
            index = g.Index(address, level);
            ulong entry = table[index];
            if (!Pte.Valid(entry))
            {
                return false; // none, or PROT_NONE: the refill must fault, never hash it
            }

            if (level == 0 || (level == 1 && Pte.TransHuge(entry)))
            {
                return true;
            }

            node = Kernel.TableOf(entry);
        }
    }
}
