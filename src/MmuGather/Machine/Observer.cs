namespace MmuGather.Machine;

/// <summary>
/// Events the model publishes for oracles (checkers, counters, tracers). Observers watch; they
/// never change the model and the model never asks them anything. Every method has a no-op
/// default so an observer overrides only what it watches. Arguments are plain numbers
/// (pfn, asid = mm id, virtual addresses) so the hot paths allocate nothing.
/// </summary>
public abstract class Observer
{
    // ---- Machine: frames ----
    public virtual void FrameAllocated(int pfn, FrameKind kind, int order) { }

    /// <summary>Raised just before the frame's generation is bumped and it joins the free list.</summary>
    public virtual void FrameFreeing(int pfn, FrameKind kind, int order) { }

    // ---- Machine: translation caches ----
    public virtual void AsidLoaded(int cpu, int asid) { }

    public virtual void TlbFilled(int cpu, int asid, ulong va, int pageShift, int pfn, uint generation) { }

    public virtual void TlbDropped(int cpu, int asid, ulong va, int pageShift, int pfn) { }

    /// <summary>
    /// A CPU invalidated translations of <paramref name="asid"/> in [start, end)
    /// (<c>end == ulong.MaxValue</c>: all of them). <paramref name="walkCaches"/>: paging-structure
    /// caches for that asid were invalidated too.
    /// </summary>
    public virtual void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) { }

    /// <summary>
    /// The address space tagged <paramref name="asid"/> is torn down and its tag will not be
    /// loaded again before a rollover flushes every TLB, so leaf entries left under it are
    /// unreachable: a fullmm gather skipped its flush (arm64's exit, ASIDs are not reused
    /// until rollover). Walk caches are not covered: freed tables are still invalidated.
    /// </summary>
    public virtual void AsidRetired(int asid) { }

    /// <summary>A user load or store went through a TLB entry filled when the frame had <paramref name="generation"/>.</summary>
    public virtual void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write) { }

    /// <summary>A page-table page was read by a walker that believed it had <paramref name="generation"/>.</summary>
    public virtual void TableRead(int cpu, int pfn, uint generation, TableReader reader) { }

    public virtual void IpiSent(int fromCpu, int toCpu, IpiKind kind) { }

    public virtual void IpiDelivered(int fromCpu, int toCpu, IpiKind kind) { }

    /// <summary>A lock was taken (after any wait); <paramref name="sleeping"/>: a mutex or rwsem.</summary>
    public virtual void LockAcquired(int cpu, string name, bool sleeping) { }

    public virtual void LockReleased(int cpu, string name, bool sleeping) { }

    /// <summary>The scheduler put <paramref name="thread"/> (null: nothing, idle) on <paramref name="cpu"/>.</summary>
    public virtual void ThreadOnCpu(int cpu, string? thread) { }

    /// <summary>A CPU entered (true) or left (false) lazy-TLB mode: it keeps the mm loaded but runs no user code.</summary>
    public virtual void LazyTlb(int cpu, bool lazy) { }

    // ---- Mm: page tables and operations ----

    /// <summary>A present leaf translation (PTE, or huge PMD when level is 1) of asid at va was cleared.</summary>
    public virtual void LeafCleared(int asid, ulong va, int level, int pfn) { }

    /// <summary>A page-table page at <paramref name="level"/> covering va was unhooked from its parent.</summary>
    public virtual void TableUnhooked(int asid, ulong va, int level, int pfn) { }

    /// <summary>A present leaf translation (PTE, or huge PMD when level is 1) of asid at va was installed.</summary>
    public virtual void LeafInstalled(int asid, ulong va, int level, int pfn) { }

    /// <summary>
    /// A present leaf translation of asid at va lost rights in place (write-protected: fork,
    /// mprotect's in-place path) without being cleared; TLBs may still hold the old rights
    /// until the caller's flush.
    /// </summary>
    public virtual void LeafProtected(int asid, ulong va, int level, int pfn) { }

    /// <summary>gup_fast (FOLL_PIN) of asid returned these frames pinned to its caller (a DMA may write them until the unpin).</summary>
    public virtual void PagesPinned(int asid, IReadOnlyList<int> pfns) { }

    /// <summary>The caller of a successful gup_fast released its pins (unpin_user_pages).</summary>
    public virtual void PagesUnpinned(int asid, IReadOnlyList<int> pfns) { }

    /// <summary>A user-visible operation (munmap, madvise, exit) on [start, end) began; <paramref name="id"/> pairs it with its return.</summary>
    public virtual void OperationStarted(long id, string operation, int asid, ulong start, ulong end) { }

    /// <summary>
    /// The operation walks the page tables of [start, end), one vma's share of its range (the
    /// vmas it found under the mmap lock). Its post-condition covers these ranges only: a call
    /// that found no vma (another thread's munmap had detached it) zapped nothing and
    /// promises nothing.
    /// </summary>
    public virtual void OperationCovers(long id, int asid, ulong start, ulong end) { }

    /// <summary>The operation returned; post-conditions apply to what it covered, for what was mapped when it began.</summary>
    public virtual void OperationReturned(long id, string operation, int asid, ulong start, ulong end) { }

    /// <summary>Writeback cleaned a page-cache page (its data is on disk now).</summary>
    public virtual void PageCleaned(int pfn) { }

    /// <summary>Code that may sleep ran; it is a bug if the CPU is atomic (spinlock held, irqs off).</summary>
    public virtual void MightSleep(int cpu, int preemptCount, bool irqsDisabled, string where) { }

    // ---- added with powerpc hash and sparc64: translation caches the MMU refills from ----

    /// <summary>
    /// From now on the MMU fills TLBs only from a translation cache the kernel keeps (powerpc's
    /// hashed page table, sparc64's TSB), never from the page tables: a CPU can hold a
    /// translation only if that cache held it (<see cref="CachedTranslationInserted"/>).
    /// Raised once, by the back-end, before anything runs.
    /// </summary>
    public virtual void TranslationCacheAttached() { }

    /// <summary>
    /// The translation cache now maps the base page at <paramref name="va"/> of asid to
    /// <paramref name="pfn"/> (the folio's head for a huge mapping); every CPU running the mm
    /// may load it. <paramref name="writable"/>: a store may use it.
    /// </summary>
    public virtual void CachedTranslationInserted(int asid, ulong va, int pfn, bool writable) { }

    /// <summary>
    /// The cache entry for <paramref name="va"/> of asid to <paramref name="pfn"/> is gone (flushed
    /// or evicted); copies CPUs loaded from it stay in their TLBs until invalidated.
    /// </summary>
    public virtual void CachedTranslationRemoved(int asid, ulong va, int pfn) { }

    /// <summary>
    /// The PTE lock of the PTE table at <paramref name="tablePfn"/>, which maps <paramref name="va"/>
    /// of asid, is being released: nothing done under it can still be pending after this.
    /// </summary>
    public virtual void PteLockReleased(int asid, ulong va, int tablePfn) { }
}
