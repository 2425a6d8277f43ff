using MmuGather.Arch.Common;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.PowerPcHash;

/// <summary>
/// powerpc Book3S-64 with the hash MMU (arch/powerpc/mm/book3s64/hash_tlb.c, hash_utils.c,
/// include/asm/book3s/64/tlbflush-hash.h). The MMU looks up translations in the global
/// hashed page table (<see cref="HashedPageTable"/>), never in the Linux page tables; a miss
/// there traps to hash_page, which hashes the Linux PTE in (<see cref="TranslationCacheMmu{T}.HandleMmuMiss"/>).
///
/// <para><b>Invariant:</b> an HPTE never outlives the PTE lock under which its PTE changed:
/// the change queues the page in this CPU's ppc64_tlb_batch (hpte_need_flush, called from
/// pte_update when the PTE was hashed), and the batch is drained, HPTEs cleared then tlbie'd on
/// every CPU, when lazy-MMU mode is left just before zap_pte_range drops the lock (Benjamin
/// Herrenschmidt's 2007 series added that hook; <see cref="KernelBug.PpcHashLateFlush"/> removes it).</para>
///
/// <para>Decisions modelled:</para>
/// <list type="bullet">
/// <item>Only hashed PTEs are flushed: a page no CPU touched since it was mapped has no HPTE
/// and costs nothing to unmap (populate alone never hashes).</item>
/// <item>tlbie broadcasts in hardware: no IPI ever; tlb_flush only drains this CPU's batch
/// (empty after every lazy-MMU section), flush_tlb_range and flush_tlb_mm are empty.</item>
/// <item>Outside lazy-MMU mode (copy-on-write, folio_mkclean, a huge PMD) the HPTE is flushed
/// on the spot; a huge PMD's hashed base pages all at once (flush_hash_hugepage).</item>
/// <item>hash_page on a page whose PTE is marked hashed updates that HPTE's rights
/// (hpte_updatepp, with a tlbie); otherwise it inserts a new one. A clean page is hashed
/// read-only, so the first store traps and sets the dirty bit.</item>
/// <item>MMU_GATHER_MERGE_VMAS and RCU table freeing (powerpc selects both); no table
/// invalidation is needed since the hardware never reads the tables.</item>
/// </list>
///
/// <para>Not modelled: the local tlbiel for an mm only this CPU ever ran (mm_is_thread_local;
/// the model always broadcasts), 64 KiB pages and their 4 KiB sub-page HPTEs, 16 MiB huge
/// HPTEs (a huge PMD is hashed as base pages), bolted kernel HPTEs, the SLB, hypervisor
/// calls (H_REMOVE, H_PROTECT), and the H_PAGE_BUSY bit that serialises hash_page with
/// pte_update (the model runs both atomically).</para>
/// </summary>
public sealed class PowerPcHashMmu : TranslationCacheMmu<HashFlush>
{
    private readonly HashedPageTable _hpt;

    public PowerPcHashMmu(Kernel kernel)
        : base(kernel)
    {
        int groupsShift = HashedPageTable.GroupsShiftFor(kernel.Machine.Options.MemoryBytes, kernel.Geometry.PageShift);
        _hpt = new HashedPageTable(kernel.Machine, kernel.Counters, groupsShift);
        AttachTranslationCache(_hpt);
    }

    public override string Name => "ppc-hash";

    /// <summary>The hashed page table (for tests).</summary>
    public HashedPageTable Table => _hpt;

    public override bool MergeVmas => true;

    /// <summary>
    /// A data storage interrupt into hash_page: an interrupt's entry and exit around the
    /// software walk and the HPTE insertion (an estimate).
    /// </summary>
    protected override long MissHandlerCycles => Kernel.Machine.Costs.IpiHandler + Kernel.Machine.Costs.TlbMiss;

    /// <summary>Without the hook before the PTE lock is dropped, the batch waits for the next tlb_flush (or for filling up).</summary>
    protected override bool DrainOnLazyMmuExit => !Kernel.Has(KernelBug.PpcHashLateFlush);

    public override void InitContext(MmStruct mm) => mm.ArchContext = new HashContext();

    /// <summary>The hashed-PTE record of an mm.</summary>
    private static HashContext ContextOf(MmStruct mm) => (HashContext)mm.ArchContext!;

    /// <summary>ptep_get_and_clear: pte_update clears the PTE and, if it was hashed, hpte_need_flush queues its HPTE.</summary>
    public override ulong PtepGetAndClear(MmStruct mm, ulong address, PtDesc table, int index, bool full)
    {
        ulong old = base.PtepGetAndClear(mm, address, table, index, full);
        HpteNeedFlush(mm, address);
        return old;
    }

    /// <summary>pmdp_set_wrprotect: the huge entry is exchanged, so it is invalidated as a cleared huge PMD is.</summary>
    public override void PmdpSetWrprotect(MmStruct mm, ulong address, PtDesc pmdTable, int index) =>
        PmdpSetWrprotectByExchange(mm, address, pmdTable, index);

    /// <summary>ptep_set_wrprotect: pte_update drops the write bit; the HPTE that still grants write goes the same way.</summary>
    public override void PtepSetWrprotect(MmStruct mm, ulong address, PtDesc table, int index)
    {
        base.PtepSetWrprotect(mm, address, table, index);
        HpteNeedFlush(mm, address);
    }

    /// <summary>
    /// pmdp_huge_get_and_clear: hpte_do_hugepage_flush flushes the huge page's hashed base
    /// pages at once, never batched (flush_hash_hugepage).
    /// </summary>
    public override ulong PmdpHugeGetAndClear(MmStruct mm, ulong address, PtDesc pmdTable, int index, bool full)
    {
        ulong old = base.PmdpHugeGetAndClear(mm, address, pmdTable, index, full);
        ulong span = Kernel.Geometry.EntrySpan(PageLevel.Pmd);
        ulong start = address & ~(span - 1);
        HashContext ctx = ContextOf(mm);
        var hashed = new List<HashFlush>();
        for (ulong va = start; va < start + span; va += Kernel.Geometry.PageSize)
        {
            if (ctx.TryTake(va, out int slot))
            {
                hashed.Add(new HashFlush(va, slot));
            }
        }

        if (hashed.Count > 0)
        {
            FlushInvalidations(mm, Kernel.Geometry.PageShift, hashed.ToArray());
        }

        return old;
    }

    /// <summary>hpte_need_flush: the PTE of a hashed page changed; queue (or flush) its HPTE.</summary>
    private void HpteNeedFlush(MmStruct mm, ulong address)
    {
        ulong va = address & Kernel.Geometry.PageMask;
        if (ContextOf(mm).TryTake(va, out int slot))
        {
            QueueInvalidation(mm, Kernel.Geometry.PageShift, new HashFlush(va, slot));
        }
    }

    /// <summary>
    /// __hash_page_4K: a PTE marked hashed whose HPTE is still in its slot gets the new rights
    /// in place and a tlbie (hpte_updatepp); anything else gets a new HPTE, whose slot is
    /// recorded in the PTE. A stale HPTE of an earlier PTE of the page is not looked for:
    /// if it is still there, the page now has two.
    /// </summary>
    protected override void RefillCache(MmStruct mm, CachedTranslation translation)
    {
        HashContext ctx = ContextOf(mm);
        if (ctx.TryGet(translation.Va, out int slot) && _hpt.Holds(slot, mm.Id, translation.Va))
        {
            _hpt.Replace(slot, translation);
            Tlbie(mm, [(translation.Va, translation.Va + Kernel.Geometry.PageSize)]);
            return;
        }

        ctx.Record(translation.Va, _hpt.Insert(translation));
    }

    /// <summary>
    /// flush_hash_range (native): clear each HPTE that is still in its slot, then tlbie every
    /// page, whether or not its HPTE was found (an evicted HPTE may still sit in a TLB).
    /// </summary>
    protected override void FlushInvalidations(MmStruct mm, int pageShift, ReadOnlyMemory<HashFlush> pending)
    {
        var pages = new List<ulong>(pending.Length);
        foreach (HashFlush e in pending.Span)
        {
            Kernel.Counters.Add(Counter.HpteInvalidations);
            Kernel.Machine.Charge(Kernel.Machine.Costs.Atomic);
            if (_hpt.Holds(e.Slot, mm.Id, e.Va))
            {
                _hpt.Invalidate(e.Slot);
            }

            pages.Add(e.Va);
        }

        Tlbie(mm, PageRuns.Of(pages, pageShift));
    }

    /// <summary>tlbie per page, then tlbsync: every CPU's TLB drops the pages, no interrupt taken.</summary>
    private void Tlbie(MmStruct mm, List<(ulong Start, ulong End)> runs)
    {
        foreach (var (start, end) in runs)
        {
            BroadcastInvalidate(mm, start, end, Kernel.Geometry.PageShift, walkCaches: false);
        }
    }
}
