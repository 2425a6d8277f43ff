using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// mm/mprotect.c (v6.18): do_mprotect_pkey, mprotect_fixup and change_protection. The whole
/// call holds the mmap lock for write, so no fault, munmap or MADV_DONTNEED of the mm runs
/// alongside; what can still run is the hardware (other CPUs using their TLB entries),
/// gup_fast, and rmap walkers such as writeback's folio_mkclean, which take only the PTE lock.
///
/// <para>Since 4a18419f71cd the PTE changes go through one mmu_gather for the whole call:
/// change_pte_range changes each entry under its PTE lock in lazy-MMU mode
/// (ptep_modify_prot_start / commit) and records the entries whose old translation must not
/// survive (pte_needs_flush, c9fe66560bf2); tlb_finish_mmu flushes them once, before the call
/// returns. In between, the PTE lock is dropped with stale entries still cached: the gather's
/// mm->tlb_flush_pending tells others (x86's pte_accessible, 20841405940e).</para>
/// <code>
/// CPU0 mprotect(r):  down_write; tlb_gather_mmu (tlb_flush_pending++)
///                    PTL: PTE rw -> r (Dirty kept), range += page; drop PTL
///                                                  CPU1 may still store through its rw entry
///                    tlb_finish_mmu: flush IPI -> CPU1 drops the entry
///                    up_write; return              CPU1's next store faults: SIGSEGV
/// </code>
/// </summary>
public sealed class Mprotect(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// mprotect(start, length, prot): <paramref name="prot"/> is the new VM_READ / VM_WRITE /
    /// VM_EXEC set (none of them: PROT_NONE). Like Linux, it stops at the first hole in the
    /// range (ENOMEM; the vmas before it keep their new protection): a racing munmap of part of
    /// the range is not an error of the scenario.
    /// </summary>
    public void DoMprotect(MmStruct mm, ulong start, ulong length, VmFlags prot)
    {
        const VmFlags access = VmFlags.Read | VmFlags.Write | VmFlags.Exec;
        if ((start & ~_g.PageMask) != 0 || (prot & ~access) != 0)
        {
            throw new ArgumentException($"mprotect(0x{start:x}, 0x{length:x}): start must be page aligned, prot only read/write/exec");
        }

        if (length == 0)
        {
            return; // do_mprotect_pkey: a zero length succeeds at once (an mremap may have shrunk the region below the offset)
        }

        ulong end = start + ((length + _g.PageSize - 1) & _g.PageMask);
        long op = kernel.BeginOperation("mprotect", mm, start, end);
        mm.MmapLock.DownWrite();
        var tlb = new ProtectionFlush(kernel, mm);
        ulong at = start;
        while (at < end && mm.FindVma(at) is { } vma && vma.Start <= at)
        {
            ulong to = Math.Min(vma.End, end);
            VmFlags flags = (vma.Flags & ~access) | prot;
            MprotectFixup(tlb, vma, at, to, flags);
            at = to;
        }

        tlb.Finish();
        mm.MmapLock.UpWrite();
        kernel.EndOperation(op, "mprotect", mm, start, end);
    }

    /// <summary>
    /// mprotect_fixup: nothing to do if the flags stay; else merge [start, end) into a
    /// neighbour with the new flags (vma_modify_flags tries vma_merge_existing_range first) or
    /// split it out of its vma, set the flags, and change the page tables.
    /// </summary>
    private void MprotectFixup(ProtectionFlush tlb, Vma vma, ulong start, ulong end, VmFlags flags)
    {
        if (flags == vma.Flags)
        {
            return;
        }

        // A split inside a huge page would need split_huge_pmd (vma_adjust_trans_huge).
        MmStruct mm = vma.Mm;
        Vma target = kernel.VmaMerge.MergeExistingRange(mm, vma, start, end, flags, _g.PageShift) ?? SplitOut(mm, vma, start, end);
        target.Flags = flags;
        ChangeProtection(tlb, target, start, end);
    }

    private Vma SplitOut(MmStruct mm, Vma vma, ulong start, ulong end)
    {
        Vma target = vma.Start < start ? kernel.Mmap.SplitVma(mm, vma, start) : vma;
        if (target.End > end)
        {
            kernel.Mmap.SplitVma(mm, target, end);
        }

        return target;
    }

    /// <summary>
    /// change_protection: walk [start, end) of <paramref name="vma"/> and give every present
    /// entry the vma's new protection (vma->vm_page_prot), recording in the gather what must
    /// be flushed.
    /// </summary>
    private void ChangeProtection(ProtectionFlush tlb, Vma vma, ulong start, ulong end)
    {
        tlb.StartVma();
        ChangeUpperRange(tlb, vma, vma.Mm.Pgd, start, end);
        tlb.EndVma();
    }

    /// <summary>change_p4d_range / change_pud_range: descend to the PMD tables.</summary>
    private void ChangeUpperRange(ProtectionFlush tlb, Vma vma, PtDesc table, ulong addr, ulong end)
    {
        if (table.Level == PageLevel.Pmd)
        {
            ChangePmdRange(tlb, vma, table, addr, end);
            return;
        }

        do
        {
            ulong next = _g.AddrEnd(addr, end, table.Level);
            ulong entry = table.Entries[_g.Index(addr, table.Level)];
            if (Pte.Present(entry))
            {
                ChangeUpperRange(tlb, vma, kernel.TableOf(entry), addr, next);
            }

            addr = next;
        }
        while (addr != end);
    }

    /// <summary>change_pmd_range: a huge PMD as a whole (change_huge_pmd), else its PTE table; cond_resched per PMD.</summary>
    private void ChangePmdRange(ProtectionFlush tlb, Vma vma, PtDesc pmdTable, ulong addr, ulong end)
    {
        do
        {
            ulong next = _g.AddrEnd(addr, end, PageLevel.Pmd);
            int index = _g.Index(addr, PageLevel.Pmd);
            ulong pmd = Pte.PtepGet(pmdTable.Entries, index);
            if (Pte.TransHuge(pmd) && next - addr != _g.EntrySpan(PageLevel.Pmd))
            {
                // The range cuts the huge page (Linux splits it when __split_vma cuts the vma,
                // vma_adjust_trans_huge): split the PMD, then change the PTEs of the part.
                kernel.HugePmdSplit.Split(vma, pmdTable, index, addr);
                pmd = Pte.PtepGet(pmdTable.Entries, index);
            }

            if (Pte.TransHuge(pmd))
            {
                ChangeHugePmd(tlb, vma, pmdTable, index, addr);
            }
            else if (Pte.Present(pmd))
            {
                ChangePteRange(tlb, vma, kernel.TableOf(pmd), addr, next);
            }

            kernel.CondResched();
            addr = next;
        }
        while (addr != end);
    }

    /// <summary>
    /// change_pte_range: under the PTE lock, in lazy-MMU mode, each present entry is taken
    /// out (ptep_modify_prot_start: the hardware cannot set Dirty in between), modified and
    /// put back; an entry whose old translation a CPU must not keep is added to the gather's
    /// range (tlb_flush_pte_range). The flush itself waits for tlb_finish_mmu.
    /// </summary>
    private void ChangePteRange(ProtectionFlush tlb, Vma vma, PtDesc pte, ulong addr, ulong end)
    {
        pte.Ptl.Lock();
        if (pte.Unhooked)
        {
            // PT_RECLAIM cannot run under our write lock, but a table found unhooked is empty.
            pte.Ptl.Unlock();
            return;
        }

        kernel.Arch.EnterLazyMmuMode();
        ulong at = addr;
        do
        {
            int index = _g.Index(at, PageLevel.Pte);
            if (Pte.Present(Pte.PtepGet(pte.Entries, index)))
            {
                ChangeOnePte(tlb, vma, pte, index, at);
            }

            at += _g.PageSize;
        }
        while (at != end);

        kernel.Arch.LeaveLazyMmuMode();
        kernel.Observer.PteLockReleased(vma.Mm.Id, end - 1, pte.Pfn);
        pte.Ptl.Unlock();
    }

    private void ChangeOnePte(ProtectionFlush tlb, Vma vma, PtDesc pte, int index, ulong addr)
    {
        kernel.Machine.Charge(kernel.Machine.Costs.ZapPte);
        MmStruct mm = vma.Mm;
        ulong old = kernel.Arch.PtepModifyProtStart(mm, addr, pte, index);
        ulong updated = NewEntry(vma, old);
        kernel.Arch.PtepModifyProtCommit(mm, addr, pte, index, old, updated);
        RecordFlush(tlb, mm, addr, PageLevel.Pte, old, updated);
    }

    /// <summary>
    /// change_huge_pmd: the huge PMD is invalidated (pmdp_invalidate_ad: Accessed and Dirty
    /// kept, and on most architectures flushed at once), modified and set back under the PMD
    /// lock; the gather records the whole huge page (tlb_flush_pmd_range).
    /// </summary>
    private void ChangeHugePmd(ProtectionFlush tlb, Vma vma, PtDesc pmdTable, int index, ulong addr)
    {
        pmdTable.Ptl.Lock();
        if (!Pte.TransHuge(Pte.PtepGet(pmdTable.Entries, index)))
        {
            pmdTable.Ptl.Unlock();
            return;
        }

        MmStruct mm = vma.Mm;
        ulong haddr = addr & ~(_g.EntrySpan(PageLevel.Pmd) - 1);
        ulong old = kernel.Arch.PmdpInvalidateAd(mm, haddr, pmdTable, index);
        ulong updated = NewEntry(vma, old);
        kernel.Arch.SetPteAt(mm, haddr, pmdTable, index, updated);
        RecordFlush(tlb, mm, haddr, PageLevel.Pmd, old, updated);
        pmdTable.Ptl.Unlock();
    }

    /// <summary>
    /// pte_modify(old, vm_page_prot), then the MM_CP_TRY_CHANGE_WRITABLE upgrade. A private
    /// writable vma's vm_page_prot is read-only (copy-on-write), and so is a shared file
    /// vma's (write-notify: the first store must reach page_mkwrite and dirty the page). The
    /// entry is made writable at once only where the write fault would do exactly that
    /// without further checks (can_change_pte_writable): an exclusive anonymous page (mapped
    /// once: the model's PageAnonExclusive) of a private vma, or an already dirty page of a
    /// shared one. Anything else (the zero page, a private file page, a clean shared page)
    /// stays read-only and the write fault upgrades or copies it.
    /// </summary>
    private ulong NewEntry(Vma vma, ulong old)
    {
        bool accessible = vma.Accessible;
        bool exec = (vma.Flags & VmFlags.Exec) != 0;
        bool sharedAnon = vma.IsShared && vma.IsAnonymous; // shmem: no write-notify, vm_page_prot is writable
        ulong updated = Pte.Modify(old, accessible, vma.Writable && sharedAnon, exec);
        if (accessible && vma.Writable && !Pte.Write(updated) && CanChangePteWritable(vma, updated))
        {
            updated = Pte.MkWrite(updated);
        }

        return updated;
    }

    private bool CanChangePteWritable(Vma vma, ulong pte)
    {
        if (vma.IsShared)
        {
            return Pte.Dirty(pte);
        }

        int pfn = Pte.Pfn(pte);
        return !Pte.IsSpecial(pte) && kernel.Machine.Memory.IsAnon(pfn) && kernel.Machine.Memory.MapCount(pfn) == 1;
    }

    /// <summary>
    /// Tell the observers a translation lost rights, and add it to the gather's range if the
    /// architecture says a stale copy must go (pte_needs_flush / huge_pmd_needs_flush).
    /// </summary>
    private void RecordFlush(ProtectionFlush tlb, MmStruct mm, ulong addr, int level, ulong old, ulong updated)
    {
        bool lost = (Pte.Valid(old) && !Pte.Valid(updated)) || (Pte.Write(old) && !Pte.Write(updated));
        if (lost)
        {
            kernel.Observer.LeafProtected(mm.Id, addr, level, Pte.Pfn(updated));
        }

        if (kernel.Arch.PteNeedsFlush(old, updated) && !kernel.Has(KernelBug.MprotectNoFlush))
        {
            tlb.Record(level, addr, _g.EntrySpan(level));
        }
    }
}
