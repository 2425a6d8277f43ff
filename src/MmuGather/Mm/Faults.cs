using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// The fault half of mm/memory.c: handle_mm_fault and what it calls (__pte_alloc,
/// do_anonymous_page, do_read/cow/shared_fault, do_wp_page, do_huge_pmd_anonymous_page),
/// plus populate (MAP_POPULATE). Allocations that may sleep happen before any page-table
/// lock is taken, as in Linux; entries are installed under the lock after re-checking.
/// </summary>
public sealed class Faults(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;
    private readonly Dictionary<(int Pfn, int Index), PtDesc> _deposited = [];

    /// <summary>A user fault at <paramref name="addr"/>: takes the mmap lock for read.</summary>
    public FaultResult HandleUserFault(MmStruct mm, ulong addr, bool write)
    {
        if (kernel.Arch.HandleMmuMiss(mm, addr, write))
        {
            return FaultResult.Ok; // hash_page / TSB refill: the Linux PTE was there all along
        }

        mm.MmapLock.DownRead();
        try
        {
            Vma? vma = mm.FindVma(addr);
            // access_error: a store needs VM_WRITE, any access needs one of VM_READ, VM_WRITE,
            // VM_EXEC (a PROT_NONE vma faults on everything).
            if (vma is null || vma.Start > addr || (write && !vma.Writable) || !vma.Accessible)
            {
                return FaultResult.SegV;
            }

            return HandleMmFault(vma, addr, write);
        }
        finally
        {
            mm.MmapLock.UpRead();
        }
    }

    /// <summary>populate_vma_page_range: fault in [start, end); writes for private writable mappings.</summary>
    public FaultResult Populate(Vma vma, ulong start, ulong end)
    {
        if (!vma.Accessible)
        {
            // populate_vma_page_range: GUP refuses a PROT_NONE vma (check_vma_flags, -EFAULT)
            // and mm_populate goes on with the next one. A racing mprotect(PROT_NONE) between
            // mmap's unlock and the populate gets here.
            return FaultResult.Ok;
        }

        bool write = vma.Writable && !vma.IsShared;
        ulong addr = start;
        while (addr < end)
        {
            FaultResult r = HandleMmFault(vma, addr, write);
            if (r != FaultResult.Ok)
            {
                return r;
            }

            bool huge = (vma.Flags & VmFlags.HugePage) != 0 && IsHugeMapped(vma.Mm, addr);
            addr += huge ? _g.EntrySpan(1) - (addr & (_g.EntrySpan(1) - 1)) : _g.PageSize;
        }

        return FaultResult.Ok;
    }

    /// <summary>handle_mm_fault: allocate the walk down to the PMD, then the leaf.</summary>
    public FaultResult HandleMmFault(Vma vma, ulong addr, bool write)
    {
        kernel.Machine.Charge(kernel.Machine.Costs.Fault + kernel.Machine.Costs.ClearPage);
        FaultResult result = HandleMmFaultLocked(vma, addr, write);
        if (result == FaultResult.Oom)
        {
            kernel.Counters.Add(Counter.FaultOom);
        }

        return result;
    }

    private FaultResult HandleMmFaultLocked(Vma vma, ulong addr, bool write)
    {
        kernel.Counters.Add(Counter.PageFaults);
        addr &= _g.PageMask;
        for (int attempt = 0; ; attempt++)
        {
            kernel.Diag.Assert(attempt < 1000, "fault at 0x{0:x} keeps losing its PTE table", addr);
            if (TryHandleMmFault(vma, addr, write) is { } result)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// One walk of handle_mm_fault. Null when the PTE table it found was unhooked (PT_RECLAIM)
    /// before its lock was had: the fault starts over and allocates a fresh table, as Linux's
    /// handle_pte_fault does when pte_offset_map_lock fails.
    /// </summary>
    private FaultResult? TryHandleMmFault(Vma vma, ulong addr, bool write)
    {
        MmStruct mm = vma.Mm;
        PtDesc table = mm.Pgd;
        while (table.Level > 1)
        {
            PtDesc? child = AllocUpper(mm, table, addr);
            if (child is null)
            {
                return FaultResult.Oom;
            }

            table = child;
        }

        int pmdIndex = _g.Index(addr, 1);
        if (Pte.None(table.Entries[pmdIndex]) && ThpEligible(vma, addr))
        {
            FaultResult huge = DoHugePmdAnonymousPage(vma, table, pmdIndex, addr);
            if (huge != FaultResult.Ok)
            {
                return huge;
            }
        }

        if (Pte.TransHuge(table.Entries[pmdIndex]))
        {
            // Anonymous THP is mapped writable and dirty at fault time; only fork takes the
            // write right away (copy_huge_pmd).
            return write && !Pte.Write(table.Entries[pmdIndex]) ? DoHugePmdWpPage(vma, table, pmdIndex, addr) : FaultResult.Ok;
        }

        PtDesc? pte = PteAlloc(table, pmdIndex, out bool becameHuge);
        if (becameHuge)
        {
            // Another thread's fault installed a huge PMD here since the check above (swarm
            // finding 3). Linux's pmd_install frees its table and pte_offset_map_lock finds no
            // PTE table under a huge PMD: the fault returns and the access is retried.
            return FaultResult.Ok;
        }

        return pte is null ? FaultResult.Oom : HandlePteFault(vma, pte, addr, write);
    }

    /// <summary>pgtable_trans_huge_deposit: keep <paramref name="table"/> under the huge PMD at <paramref name="index"/> (fork's copy_huge_pmd).</summary>
    internal void DepositTable(PtDesc pmdTable, int index, PtDesc table) => _deposited[(pmdTable.Pfn, index)] = table;

    /// <summary>
    /// do_huge_pmd_wp_page: a write to a huge PMD that fork write-protected. The folio is
    /// reused when it is mapped once again (the other process unmapped or exited), as
    /// wp_can_reuse_anon_folio would (simplified: the map count, not the reference count and
    /// PageAnonExclusive). A folio still shared would be split (__split_huge_pmd) and copied
    /// at the PTE level: the model cannot split a shared huge page (HugePmdSplit), so that
    /// run is refused.
    /// </summary>
    private FaultResult DoHugePmdWpPage(Vma vma, PtDesc pmdTable, int index, ulong addr)
    {
        ulong span = _g.EntrySpan(PageLevel.Pmd);
        pmdTable.Ptl.Lock();
        ulong pmd = Pte.PtepGet(pmdTable.Entries, index);
        if (!Pte.TransHuge(pmd) || Pte.Write(pmd))
        {
            pmdTable.Ptl.Unlock();
            return FaultResult.Ok; // changed meanwhile: retry the access
        }

        if (kernel.Machine.Memory.MapCount(Pte.Pfn(pmd)) != 1)
        {
            pmdTable.Ptl.Unlock();
            throw new NotModelledException($"a write to the huge page at 0x{addr & ~(span - 1):x} of region '{vma.Name}' still shared after fork needs split_huge_pmd of a shared huge page, which is not modelled (the model splits the folio with its mapping)");
        }

        // pmdp_set_access_flags: rights only grow, so no TLB can hold more than this.
        Pte.SetPteAt(pmdTable.Entries, index, Pte.MkDirty(Pte.MkYoung(Pte.MkWrite(pmd))));
        pmdTable.Ptl.Unlock();
        return FaultResult.Ok;
    }

    /// <summary>zap_deposited_table: the PTE table kept under a huge PMD is freed at once (never hooked).</summary>
    public void WithdrawDepositedTable(MmStruct mm, PtDesc pmdTable, int index)
    {
        if (_deposited.Remove((pmdTable.Pfn, index), out PtDesc? table))
        {
            kernel.FreePageTable(table);
        }
    }

    /// <summary>
    /// pud_alloc / pmd_alloc down to the table at <paramref name="level"/> covering addr (mremap's
    /// alloc_new_pud / alloc_new_pmd); null when an allocation fails.
    /// </summary>
    internal PtDesc? AllocTableAt(MmStruct mm, ulong addr, int level)
    {
        PtDesc? table = mm.Pgd;
        while (table is not null && table.Level > level)
        {
            table = AllocUpper(mm, table, addr);
        }

        return table;
    }

    /// <summary>pte_alloc for mremap: the PTE table under PMD entry <paramref name="index"/>; null when it cannot be had.</summary>
    internal PtDesc? PteAllocAt(PtDesc pmdTable, int index) => PteAlloc(pmdTable, index, out _);

    /// <summary>
    /// move_huge_pmd's pgtable_trans_huge_withdraw + deposit: the PTE table kept for a later split
    /// follows the huge PMD to its new slot.
    /// </summary>
    internal void MoveDepositedTable(PtDesc fromTable, int fromIndex, PtDesc toTable, int toIndex)
    {
        if (_deposited.Remove((fromTable.Pfn, fromIndex), out PtDesc? table))
        {
            _deposited[(toTable.Pfn, toIndex)] = table;
        }
    }

    /// <summary>pgtable_trans_huge_withdraw: take the PTE table deposited under a huge PMD, to hook it in its place.</summary>
    internal PtDesc WithdrawForSplit(PtDesc pmdTable, int index)
    {
        bool found = _deposited.Remove((pmdTable.Pfn, index), out PtDesc? table);
        kernel.Diag.Assert(found, "huge PMD {0} of table 0x{1:x} has no deposited table", index, pmdTable.Pfn);
        return table!;
    }

    private bool IsHugeMapped(MmStruct mm, ulong addr)
    {
        PtDesc table = mm.Pgd;
        while (table.Level > 1)
        {
            ulong e = table.Entries[_g.Index(addr, table.Level)];
            if (!Pte.Present(e))
            {
                return false;
            }

            table = kernel.TableOf(e);
        }

        return Pte.TransHuge(table.Entries[_g.Index(addr, 1)]);
    }

    private bool ThpEligible(Vma vma, ulong addr)
    {
        ulong span = _g.EntrySpan(1);
        ulong haddr = addr & ~(span - 1);
        return (vma.Flags & VmFlags.HugePage) != 0 && vma.IsAnonymous && haddr >= vma.Start && haddr + span <= vma.End;
    }

    /// <summary>p4d_alloc / pud_alloc / pmd_alloc: the next table down, installed under page_table_lock.</summary>
    internal PtDesc? AllocUpper(MmStruct mm, PtDesc table, ulong addr)
    {
        int index = _g.Index(addr, table.Level);
        ulong e = table.Entries[index];
        if (Pte.Present(e))
        {
            return kernel.TableOf(e);
        }

        PtDesc? fresh = kernel.AllocPageTable(table.Level - 1);
        if (fresh is null)
        {
            return null;
        }

        mm.PageTableLock.Lock();
        bool raced = Pte.Present(table.Entries[index]);
        if (!raced)
        {
            Pte.SetPteAt(table.Entries, index, Pte.TableEntry(fresh.Pfn));
        }

        mm.PageTableLock.Unlock();
        if (raced)
        {
            kernel.FreePageTable(fresh);
            return kernel.TableOf(table.Entries[index]);
        }

        return fresh;
    }

    /// <summary>
    /// __pte_alloc: a PTE table under the PMD, installed under the PMD lock. <paramref name="huge"/>:
    /// the PMD maps a huge page (installed by a racing fault), so there is no PTE table.
    /// </summary>
    internal PtDesc? PteAlloc(PtDesc pmdTable, int index, out bool huge)
    {
        ulong e = pmdTable.Entries[index];
        huge = Pte.TransHuge(e);
        if (huge)
        {
            return null;
        }

        if (Pte.Present(e))
        {
            return kernel.TableOf(e);
        }

        PtDesc? fresh = kernel.AllocPageTable(0);
        if (fresh is null)
        {
            return null;
        }

        pmdTable.Ptl.Lock();
        ulong now = pmdTable.Entries[index];
        bool raced = Pte.Present(now);
        if (!raced)
        {
            Pte.SetPteAt(pmdTable.Entries, index, Pte.TableEntry(fresh.Pfn));
        }

        pmdTable.Ptl.Unlock();
        if (raced)
        {
            kernel.FreePageTable(fresh);
            huge = Pte.TransHuge(now);
            return huge ? null : kernel.TableOf(now);
        }

        return fresh;
    }

    private FaultResult DoHugePmdAnonymousPage(Vma vma, PtDesc pmdTable, int index, ulong addr)
    {
        kernel.VmaMerge.AnonVmaPrepare(vma);
        int folio = kernel.Machine.Memory.AllocHuge(AllocSite.UserPage);
        if (folio < 0)
        {
            return FaultResult.Ok; // fall back to small pages, as Linux does
        }

        kernel.Machine.Memory.SetAnon(folio);

        PtDesc? deposit = kernel.AllocPageTable(0);
        if (deposit is null)
        {
            kernel.PutPage(folio);
            return FaultResult.Oom;
        }

        pmdTable.Ptl.Lock();
        if (Pte.None(pmdTable.Entries[index]))
        {
            kernel.Machine.Memory.MapCount(folio)++;
            ulong pmd = Pte.MkHuge(Pte.MkDirty(Pte.MkYoung(MkPte(vma, folio, vma.Writable))));
            kernel.Arch.SetPteAt(vma.Mm, addr & ~(_g.EntrySpan(PageLevel.Pmd) - 1), pmdTable, index, pmd);
            _deposited[(pmdTable.Pfn, index)] = deposit;
            pmdTable.Ptl.Unlock();
            return FaultResult.Ok;
        }

        pmdTable.Ptl.Unlock();
        kernel.PutPage(folio);
        kernel.FreePageTable(deposit);
        return FaultResult.Ok;
    }

    private FaultResult? HandlePteFault(Vma vma, PtDesc pte, ulong addr, bool write)
    {
        int index = _g.Index(addr, 0);
        ulong ptent = Pte.PtepGet(pte.Entries, index);
        if (Pte.None(ptent))
        {
            return vma.IsAnonymous ? DoAnonymousPage(vma, pte, index, addr, write) : DoFileFault(vma, pte, index, addr, write);
        }

        if (write && !Pte.Write(ptent))
        {
            return DoWpPage(vma, pte, index, addr);
        }

        return FaultResult.Ok; // spurious: the hardware re-walks and finds the entry
    }

    private FaultResult? DoAnonymousPage(Vma vma, PtDesc pte, int index, ulong addr, bool write)
    {
        if (!write)
        {
            // Map the shared zero page read-only; a later write copies it.
            return InstallIfNone(vma, pte, index, addr, MkPte(vma, kernel.ZeroPfn, false) | Pte.Special, -1);
        }

        int pfn = AllocAnonPage(vma);
        if (pfn < 0)
        {
            return FaultResult.Oom;
        }

        return InstallIfNone(vma, pte, index, addr, Pte.MkDirty(Pte.MkYoung(MkPte(vma, pfn, vma.Writable))), pfn);
    }

    private FaultResult? DoFileFault(Vma vma, PtDesc pte, int index, ulong addr, bool write)
    {
        SimFile file = vma.File!;
        long pgoff = PgOffOf(vma, addr);
        if (!write && FaultAround(vma, pte, index, addr) is null)
        {
            return null; // the table went (PT_RECLAIM): walk again
        }

        if (!file.TryGetPage(pgoff, out int cached))
        {
            cached = kernel.Machine.Memory.Alloc(AllocSite.UserPage, FrameKind.User);
            if (cached < 0)
            {
                return FaultResult.Oom;
            }

            file.AddPage(pgoff, cached);
        }

        if (write && !vma.IsShared)
        {
            // do_cow_fault: a private copy, mapped writable.
            int copy = AllocAnonPage(vma);
            return copy < 0 ? FaultResult.Oom : InstallIfNone(vma, pte, index, addr, Pte.MkDirty(Pte.MkYoung(MkPte(vma, copy, true))), copy);
        }

        // do_read_fault / do_shared_fault. Shared mappings track dirtying (write-notify):
        // mapped read-only until written, so a write always reaches the kernel first.
        kernel.GetPage(cached);
        bool writable = write && vma.IsShared;
        ulong entry = Pte.MkYoung(MkPte(vma, cached, writable));
        var folioLock = writable ? file.FolioLock(pgoff) : null;
        folioLock?.Lock(); // do_shared_fault: page_mkwrite, as in DoWpPage
        if (writable)
        {
            entry = Pte.MkDirty(entry);
            kernel.Machine.Memory.SetDirty(cached);
        }

        // InstallIfNone gives the reference back itself when the slot was taken or the table
        // went (PT_RECLAIM); a second put here freed a page-cache page still mapped.
        FaultResult? r = InstallIfNone(vma, pte, index, addr, entry, cached);
        folioLock?.Unlock();
        return r;
    }

    /// <summary>fault_around_bytes: 64 KiB by default.</summary>
    private const int FaultAroundPages = 16;

    /// <summary>
    /// do_fault_around: a read fault on a file page also maps the neighbours the page cache
    /// already holds (filemap_map_pages), read-only, in the 16-page aligned window around the
    /// fault, clamped to the vma and the PTE table. They cost no fault of their own and are
    /// present for a later write (which then copies or upgrades them in place, flushing the
    /// read-only translation). Found by the differential fuzzer: a write over a page the
    /// kernel had mapped by fault-around cost a flush round the model did not have.
    /// </summary>
    private FaultResult? FaultAround(Vma vma, PtDesc pte, int index, ulong addr)
    {
        long vmaOff = (long)((addr - vma.Start) >> _g.PageShift);
        long from = Math.Max(index & ~(FaultAroundPages - 1), index - Math.Min(index, vmaOff));
        long vmaPages = (long)((vma.End - vma.Start) >> _g.PageShift);
        long to = Math.Min(Math.Min(from + FaultAroundPages, _g.EntriesAt(0)), index + vmaPages - vmaOff) - 1;
        for (long i = from; i <= to; i++)
        {
            ulong va = addr - ((ulong)(index - i) << _g.PageShift);
            if (i == index || !vma.File!.TryGetPage(PgOffOf(vma, va), out int cached) || !Pte.None(Pte.PtepGet(pte.Entries, (int)i)))
            {
                continue;
            }

            kernel.GetPage(cached);
            if (InstallIfNone(vma, pte, (int)i, va, Pte.MkYoung(MkPte(vma, cached, false)), cached) is null)
            {
                return null;
            }
        }

        return FaultResult.Ok;
    }

    /// <summary>
    /// pte_offset_map_lock: lock the table the walk found, unless it was unhooked since
    /// (PT_RECLAIM). Writing into an unhooked table would map a page no walk can reach, in a
    /// table already on its way to the allocator.
    /// </summary>
    private bool LockHookedPte(PtDesc pte)
    {
        pte.Ptl.Lock();
        if (!pte.Unhooked)
        {
            return true;
        }

        pte.Ptl.Unlock();
        kernel.Counters.Add(Counter.PteTableRetries);
        return false;
    }

    /// <summary>Installs <paramref name="entry"/> under the PTE lock if the slot is still empty; null: walk again.</summary>
    private FaultResult? InstallIfNone(Vma vma, PtDesc pte, int index, ulong addr, ulong entry, int pfn)
    {
        if (!LockHookedPte(pte))
        {
            if (pfn >= 0)
            {
                kernel.PutPage(pfn);
            }

            return null;
        }
        bool empty = Pte.None(Pte.PtepGet(pte.Entries, index));
        if (empty)
        {
            kernel.Arch.SetPteAt(vma.Mm, addr, pte, index, entry);
            if (pfn >= 0)
            {
                kernel.Machine.Memory.MapCount(pfn)++;
            }
        }

        pte.Ptl.Unlock();
        if (!empty && pfn >= 0)
        {
            kernel.PutPage(pfn); // lost a race: give the new page back
        }

        return FaultResult.Ok;
    }

    /// <summary>
    /// do_wp_page: a write to a present read-only entry. Shared file pages are made writable
    /// in place; the zero page and private file pages are copied (wp_page_copy), and the old
    /// translation is flushed through a gather before the new one is installed.
    /// </summary>
    private FaultResult? DoWpPage(Vma vma, PtDesc pte, int index, ulong addr)
    {
        ulong ptent = Pte.PtepGet(pte.Entries, index);
        if (vma.IsShared)
        {
            // wp_page_shared: page_mkwrite locks the folio first, so writeback (which holds it
            // from mkclean to clearing the dirty flag) cannot clean the page in between.
            var folioLock = vma.File!.FolioLock(PgOffOf(vma, addr));
            folioLock.Lock();
            if (!LockHookedPte(pte))
            {
                folioLock.Unlock();
                return null;
            }

            ulong cur = Pte.PtepGet(pte.Entries, index);
            if (Pte.Present(cur))
            {
                // ptep_set_access_flags: rights only grow, so no TLB can hold more than this.
                Pte.SetPteAt(pte.Entries, index, Pte.MkDirty(Pte.MkWrite(cur)));
                kernel.Machine.Memory.SetDirty(Pte.Pfn(cur));
            }

            pte.Ptl.Unlock();
            folioLock.Unlock();
            return FaultResult.Ok;
        }

        if (!Pte.IsSpecial(ptent) && kernel.Machine.Memory.IsAnon(Pte.Pfn(ptent)) && kernel.Machine.Memory.MapCount(Pte.Pfn(ptent)) == 1)
        {
            // Exclusive anonymous page: reuse it (permission upgrade needs no flush on x86).
            if (!LockHookedPte(pte))
            {
                return null;
            }

            Pte.SetPteAt(pte.Entries, index, Pte.MkDirty(Pte.MkWrite(Pte.PtepGet(pte.Entries, index))));
            pte.Ptl.Unlock();
            return FaultResult.Ok;
        }

        return WpPageCopy(vma, pte, index, addr, ptent);
    }

    private FaultResult? WpPageCopy(Vma vma, PtDesc pte, int index, ulong addr, ulong expected)
    {
        int copy = AllocAnonPage(vma);
        if (copy < 0)
        {
            return FaultResult.Oom;
        }

        if (!LockHookedPte(pte))
        {
            kernel.PutPage(copy);
            return null;
        }

        bool same = Pte.PtepGet(pte.Entries, index) == expected;
        int oldPfn = -1;
        if (same)
        {
            // Unhook, invalidate everywhere, then install the copy: no CPU may go on writing
            // the old page through a stale entry once the copy is visible.
            ulong old = kernel.Arch.PtepClearFlush(vma.Mm, addr, pte, index);
            kernel.Arch.SetPteAt(vma.Mm, addr, pte, index, Pte.MkDirty(Pte.MkYoung(MkPte(vma, copy, true))));
            kernel.Machine.Memory.MapCount(copy)++;
            if (!Pte.IsSpecial(old))
            {
                oldPfn = Pte.Pfn(old);
                kernel.RemoveRmap(oldPfn, vma);
            }
        }

        pte.Ptl.Unlock();
        if (!same)
        {
            kernel.PutPage(copy);
        }
        else if (oldPfn >= 0)
        {
            kernel.PutPage(oldPfn); // the reference the old PTE held: the page may be freed now
        }

        return FaultResult.Ok;
    }

    /// <summary>
    /// A page for anonymous memory: a fresh anonymous page, or a private copy of a file page
    /// (copy-on-write). Either way it is anon from now on, whatever the vma maps.
    /// </summary>
    private int AllocAnonPage(Vma vma)
    {
        kernel.VmaMerge.AnonVmaPrepare(vma); // vmf_anon_prepare: before the page can be mapped
        int pfn = kernel.Machine.Memory.Alloc(AllocSite.UserPage, FrameKind.User);
        if (pfn >= 0)
        {
            kernel.Machine.Memory.SetAnon(pfn);
        }

        return pfn;
    }

    /// <summary>mk_pte(page, vma->vm_page_prot): a present entry for pfn; _PAGE_NX unless the vma is executable.</summary>
    private static ulong MkPte(Vma vma, int pfn, bool writable) =>
        Pte.PfnPte(pfn, writable) | ((vma.Flags & VmFlags.Exec) != 0 ? 0 : Pte.NoExec);

    private long PgOffOf(Vma vma, ulong addr) => vma.PgOff + (long)((addr - vma.Start) >> _g.PageShift);
}
