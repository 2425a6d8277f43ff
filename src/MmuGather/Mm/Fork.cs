using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// fork's copy of an address space (dup_mmap: kernel/fork.c, mm/mmap.c in recent kernels; mm/memory.c copy_page_range down
/// to copy_present_pte and mm/huge_memory.c copy_huge_pmd), as in Linux 6.18:
/// <code>
/// parent CPU0 (fork)                       parent CPU1 (sibling, user mode)
/// mmap_write_lock(oldmm), mmap_write_lock(mm)
/// per vma: vm_area_dup, anon_vma_fork, link the file mapping
///   vma_needs_copy? (anon_vma or VM_PFNMAP; else the child faults its pages in)
///   per PTE table, dst ptl then src ptl, lazy-MMU mode:
///     page ref and map count up (rmap shared)
///     COW mapping and writable: ptep_set_wrprotect(parent)   TLB still holds the writable
///     child entry: read-only, old (clean if shared)           entry: stores land in the page
///                                                              now shared with the child
/// mmap_write_unlock(mm)
/// flush_tlb_mm(oldmm)                      &lt;- the stale writable entries die here
/// mmap_write_unlock(oldmm); fork returns; the child may run
/// </code>
/// A store during the fork through the stale entry is allowed (fork is not atomic with
/// respect to the parent's other threads: the child sees the store or not); one after it
/// returned would write a page the child shares. With <see cref="FlushApi.Gather"/> (the
/// 2007 series' design) each write-protected entry widens a gather's range on the parent and
/// tlb_finish_mmu flushes that range instead of the whole mm.
///
/// <para>Not modelled: VM_WIPEONFORK / VM_DONTCOPY, uffd-wp, swap and migration entries,
/// the lock break every 32 entries inside a PTE table (the model breaks between tables),
/// the preallocation dance of copy_present_page (the model allocates the child's copy under
/// the locks), and a pinned huge PMD (copy_huge_pmd would split it; pins are taken and
/// dropped within one gup_fast step, so fork shares a huge page pinned meanwhile).</para>
/// </summary>
public sealed class Fork(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// dup_mmap: copy every vma of <paramref name="oldmm"/> into the empty <paramref name="mm"/>.
    /// False when a page-table allocation failed (fork returns ENOMEM): the child keeps what was
    /// copied so far, which its exit_mmap frees.
    /// </summary>
    public bool DupMmap(MmStruct oldmm, MmStruct mm)
    {
        ulong top = _g.TaskSize;
        long op = kernel.BeginOperation("fork", oldmm, 0, top);
        oldmm.MmapLock.DownWrite();
        mm.MmapLock.DownWrite();
        Gather? tlb = kernel.FlushApi == FlushApi.Gather ? Gather.TlbGatherMmu(kernel, oldmm) : null;
        bool copied = true;
        foreach (Vma src in oldmm.Vmas.ToList())
        {
            Vma dst = DupVma(mm, src);
            if (VmaNeedsCopy(src) && !CopyPageRange(tlb, dst, src))
            {
                copied = false;
                break;
            }
        }

        mm.MmapLock.UpWrite();
        FlushParent(oldmm, tlb);
        oldmm.MmapLock.UpWrite();
        kernel.EndOperation(op, "fork", oldmm, 0, top);
        return copied;
    }

    /// <summary>
    /// The end of dup_mmap: flush_tlb_mm(oldmm) (6.18), or the gather's tlb_finish_mmu (the
    /// 2007 design: only the range of the entries write-protected, nothing if there were none).
    /// </summary>
    private void FlushParent(MmStruct oldmm, Gather? tlb)
    {
        if (tlb is not null)
        {
            tlb.TlbFinishMmu();
        }
        else if (!kernel.Has(KernelBug.ForkNoFlush))
        {
            kernel.Arch.FlushTlbMm(oldmm);
        }
    }

    /// <summary>vm_area_dup + anon_vma_fork + the file half of vma_link.</summary>
    private Vma DupVma(MmStruct mm, Vma src)
    {
        var dst = new Vma(mm, src.Start, src.End, src.Flags, src.File, src.PgOff, src.Name)
        {
            AnonVma = src.AnonVma is null ? null : kernel.VmaMerge.NewAnonVma(),
        };
        mm.InsertVma(dst);
        Mmap.LinkFileVma(dst);
        return dst;
    }

    /// <summary>
    /// vma_needs_copy: only a vma with anonymous pages (an anon_vma) or raw PFNs must have its
    /// entries copied; the rest (shared file mappings, untouched or zero-page-only anonymous
    /// ones) are faulted in by the child.
    /// </summary>
    private static bool VmaNeedsCopy(Vma src) => src.AnonVma is not null || (src.Flags & VmFlags.PfnMap) != 0;

    /// <summary>is_cow_mapping: private (VM_MAYWRITE without VM_SHARED; every mapping here may write).</summary>
    private static bool IsCowMapping(Vma vma) => !vma.IsShared;

    /// <summary>
    /// copy_page_range: for a COW mapping, write_protect_seq is odd around the copy, so that a
    /// concurrent gup_fast cannot keep a pin on a page this copy shares (57efa1fe5957; the
    /// <see cref="KernelBug.GupFastForkRace"/> switch reverts it).
    /// </summary>
    private bool CopyPageRange(Gather? tlb, Vma dst, Vma src)
    {
        bool seq = IsCowMapping(src) && !kernel.Has(KernelBug.GupFastForkRace);
        if (seq)
        {
            src.Mm.WriteProtectSeq++; // raw_write_seqcount_begin
        }

        bool ok = CopyRange(tlb, dst, src, src.Mm.Pgd, dst.Mm.Pgd, src.Start, src.End);
        if (seq)
        {
            src.Mm.WriteProtectSeq++; // raw_write_seqcount_end
        }

        return ok;
    }

    /// <summary>copy_p4d/pud/pmd_range: the child's tables are allocated where the parent has some.</summary>
    private bool CopyRange(Gather? tlb, Vma dst, Vma src, PtDesc srcTable, PtDesc dstTable, ulong addr, ulong end)
    {
        int level = srcTable.Level;
        do
        {
            ulong next = _g.AddrEnd(addr, end, level);
            int index = _g.Index(addr, level);
            ulong entry = Pte.PtepGet(srcTable.Entries, index);
            bool ok = true;
            if (level == PageLevel.Pmd)
            {
                ok = CopyPmd(tlb, dst, src, srcTable, dstTable, index, addr, next);
            }
            else if (Pte.Present(entry))
            {
                ok = kernel.Faults.AllocUpper(dst.Mm, dstTable, addr) is { } child
                    && CopyRange(tlb, dst, src, kernel.TableOf(entry), child, addr, next);
            }

            if (!ok)
            {
                return false;
            }

            addr = next;
        }
        while (addr != end);
        return true;
    }

    /// <summary>One PMD entry of copy_pmd_range: a huge page, or a PTE table to copy.</summary>
    private bool CopyPmd(Gather? tlb, Vma dst, Vma src, PtDesc srcPmd, PtDesc dstPmd, int index, ulong addr, ulong next)
    {
        ulong pmd = Pte.PtepGet(srcPmd.Entries, index);
        if (Pte.TransHuge(pmd))
        {
            return CopyHugePmd(tlb, dst, src, srcPmd, dstPmd, index, addr);
        }

        if (!Pte.Present(pmd))
        {
            return true;
        }

        PtDesc? dstPte = kernel.Faults.PteAlloc(dstPmd, index, out _);
        if (dstPte is null)
        {
            return false;
        }

        return CopyPteRange(tlb, dst, src, kernel.TableOf(pmd), dstPte, addr, next);
    }

    /// <summary>
    /// copy_pte_range: both PTE locks (the child's, then the parent's nested), lazy-MMU mode
    /// around the run of write-protects (the hash and TSB back-ends drain their batch when it
    /// is left, before the locks go), then a reschedule point.
    /// </summary>
    private bool CopyPteRange(Gather? tlb, Vma dst, Vma src, PtDesc srcPte, PtDesc dstPte, ulong addr, ulong end)
    {
        bool ok = true;
        dstPte.Ptl.Lock();
        srcPte.Ptl.Lock();
        kernel.Diag.Assert(!srcPte.Unhooked, "fork found an unhooked PTE table under the mmap write lock");
        kernel.Arch.EnterLazyMmuMode();
        for (ulong va = addr; ok && va != end; va += _g.PageSize)
        {
            int i = _g.Index(va, PageLevel.Pte);
            if (Pte.Present(Pte.PtepGet(srcPte.Entries, i)))
            {
                ok = CopyPresentPte(tlb, dst, src, srcPte, dstPte, i, va);
            }
        }

        kernel.Arch.LeaveLazyMmuMode();
        kernel.Observer.PteLockReleased(src.Mm.Id, end - 1, srcPte.Pfn);
        srcPte.Ptl.Unlock();
        dstPte.Ptl.Unlock();
        if (tlb?.MayReschedule ?? true)
        {
            kernel.CondResched();
        }

        return ok;
    }

    /// <summary>
    /// copy_present_pte for one entry: the page gains a reference and a mapping (the zero page
    /// neither: vm_normal_page is NULL); a writable entry of a COW mapping is write-protected in
    /// the parent and copied read-only; the child's entry is old, and clean if shared. An
    /// anonymous page that may be pinned for DMA is copied for the child at once instead
    /// (copy_present_page, 70e806e4e645): the parent keeps it writable. False: no memory.
    /// </summary>
    private bool CopyPresentPte(Gather? tlb, Vma dst, Vma src, PtDesc srcPte, PtDesc dstPte, int index, ulong va)
    {
        ulong pte = Pte.PtepGet(srcPte.Entries, index);
        int pfn = Pte.Pfn(pte);
        bool anon = !Pte.IsSpecial(pte) && kernel.Machine.Memory.IsAnon(pfn);
        if (anon && kernel.PinCount(pfn) > 0)
        {
            return CopyPresentPage(dst, dstPte, index, va, pfn);
        }

        if (!Pte.IsSpecial(pte))
        {
            kernel.GetPage(pfn);
            kernel.Machine.Memory.MapCount(pfn)++; // folio_try_dup_anon_rmap_pte / folio_dup_file_rmap_pte
        }

        if (IsCowMapping(src) && Pte.Write(pte))
        {
            if (anon)
            {
                // The rmap dup found the page unpinned; another CPU runs on until the
                // write-protect below (a lockless gup_fast may pin it in between).
                kernel.Machine.Scheduler.SchedulingPoint(SchedPoint.Atomic);
            }

            kernel.Arch.PtepSetWrprotect(src.Mm, va, srcPte, index);
            tlb?.RemoveTlbEntry(va);
            pte = Pte.WrProtect(pte);
        }

        if (src.IsShared)
        {
            pte = Pte.MkClean(pte);
        }

        kernel.Arch.SetPteAt(dst.Mm, va, dstPte, index, Pte.MkOld(pte));
        return true;
    }

    /// <summary>copy_present_page: the child gets its own copy, mapped writable and dirty; the parent's entry is untouched.</summary>
    private bool CopyPresentPage(Vma dst, PtDesc dstPte, int index, ulong va, int pfn)
    {
        int copy = kernel.Machine.Memory.Alloc(AllocSite.UserPage, FrameKind.User);
        if (copy < 0)
        {
            return false;
        }

        kernel.Machine.Memory.SetAnon(copy);
        kernel.Machine.Memory.MapCount(copy)++;
        kernel.Counters.Add(Counter.ForkPinnedCopies);
        kernel.Arch.SetPteAt(dst.Mm, va, dstPte, index, Pte.MkDirty(Pte.MkYoung(Pte.PfnPte(copy, dst.Writable))));
        return true;
    }

    /// <summary>
    /// copy_huge_pmd: a PTE table is deposited under the child's huge PMD (allocated first,
    /// pte_alloc_one), then under both PMD locks the folio gains a reference and a mapping, and
    /// the huge PMD is write-protected in both (unconditionally, as Linux does).
    /// </summary>
    private bool CopyHugePmd(Gather? tlb, Vma dst, Vma src, PtDesc srcPmd, PtDesc dstPmd, int index, ulong addr)
    {
        PtDesc? deposit = kernel.AllocPageTable(PageLevel.Pte);
        if (deposit is null)
        {
            return false;
        }

        ulong haddr = addr & ~(_g.EntrySpan(PageLevel.Pmd) - 1);
        dstPmd.Ptl.Lock();
        srcPmd.Ptl.Lock();
        ulong pmd = Pte.PtepGet(srcPmd.Entries, index);
        kernel.Diag.Assert(Pte.TransHuge(pmd), "the huge PMD at 0x{0:x} changed under the mmap write lock", haddr);
        int folio = Pte.Pfn(pmd);
        kernel.GetPage(folio);
        kernel.Machine.Memory.MapCount(folio)++;
        kernel.Faults.DepositTable(dstPmd, index, deposit);
        kernel.Arch.PmdpSetWrprotect(src.Mm, haddr, srcPmd, index);
        tlb?.RemovePmdTlbEntry(haddr);
        kernel.Arch.SetPteAt(dst.Mm, haddr, dstPmd, index, Pte.MkOld(Pte.WrProtect(pmd)));
        srcPmd.Ptl.Unlock();
        dstPmd.Ptl.Unlock();
        return true;
    }
}
