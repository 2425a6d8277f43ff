using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// gup_fast: pin user pages of the current mm by walking its page tables with no lock at
/// all, interrupts off. Interrupts off holds off IPI-based flushes and the sched-RCU grace
/// period, so a table unhooked under the walker cannot be freed until it leaves:
/// <code>
/// CPU0 gup_fast: irqs off, reads PMD -> T     CPU1 munmap: pmd_clear, T to the gather
///                reads PTE in T                    flush: IPI to CPU0 ... waits
///   irqs on: takes the IPI                         (RCU: grace period waits for CPU0)
///                                                  only now is T freed
/// </code>
/// </summary>
public sealed class GupFast(Kernel kernel)
{
    /// <summary>
    /// pin_user_pages_fast: pins up to <paramref name="pages"/> pages from start; returns the
    /// pinned frames (fewer, or none, where the slow path would take over). With fork:
    /// <code>
    /// CPU0 fork: write_protect_seq odd         CPU1 gup_fast (FOLL_PIN), irqs off
    ///   copy_present_pte: P not pinned           reads PTE of P: writable
    ///   (rmap dup, AnonExclusive cleared)        pins P, reads the PTE again: unchanged
    ///   ptep_set_wrprotect(P), child maps P     irqs on; write_protect_seq changed:
    ///   write_protect_seq even                    unpin everything, fail (57efa1fe5957)
    /// </code>
    /// Without the sequence check the pin would stand on a page the child shares.
    /// </summary>
    public List<int> Pin(MmStruct mm, ulong start, int pages, bool write)
    {
        var pinned = new List<int>(pages);
        bool guarded = !kernel.Has(KernelBug.GupFastForkRace);
        int seq = mm.WriteProtectSeq;
        if (guarded && (seq & 1) != 0)
        {
            return pinned; // raw_seqcount_try_begin: a fork is write-protecting this mm
        }

        bool irqs = kernel.Machine.LocalIrqSave();
        for (int i = 0; i < pages; i++)
        {
            ulong addr = start + ((ulong)i << kernel.Geometry.PageShift);
            if (!TryPinOne(mm, addr, write, out int pfn))
            {
                break; // the slow path (get_user_pages) would take over here
            }

            pinned.Add(pfn);
        }

        kernel.Machine.LocalIrqRestore(irqs);
        if (guarded && mm.WriteProtectSeq != seq)
        {
            // read_seqcount_retry: a fork ran meanwhile and may have shared a page just pinned.
            Unpin(mm, pinned, published: false);
            pinned.Clear();
        }

        kernel.Counters.Add(Counter.GupFastPages, pinned.Count);
        if (pinned.Count > 0)
        {
            kernel.Observer.PagesPinned(mm.Id, pinned);
        }

        return pinned;
    }

    /// <summary>unpin_user_pages of what <see cref="Pin"/> returned.</summary>
    public void Unpin(MmStruct mm, List<int> pinned) => Unpin(mm, pinned, published: true);

    private void Unpin(MmStruct mm, List<int> pinned, bool published)
    {
        if (published && pinned.Count > 0)
        {
            kernel.Observer.PagesUnpinned(mm.Id, pinned);
        }

        foreach (int pfn in pinned)
        {
            kernel.UnpinPage(pfn);
        }
    }

    /// <summary>
    /// gup_fast_pte_range for one page: walk, pin, then read the entry again and give the pin
    /// back if it changed. A read-only entry of an anonymous page that is not exclusive
    /// (gup_must_unshare; the model's stand-in for !PageAnonExclusive is a map count above
    /// one) is left to the slow path, which unshares it first.
    /// </summary>
    private bool TryPinOne(MmStruct mm, ulong addr, bool write, out int pfn)
    {
        pfn = -1;
        if (WalkOne(mm, addr, write) is not var (entries, index, pte))
        {
            return false;
        }

        int page = Pte.Pfn(pte);
        PhysicalMemory mem = kernel.Machine.Memory;
        if (!Pte.Write(pte) && mem.IsAnon(page) && mem.MapCount(page) > 1)
        {
            return false;
        }

        kernel.PinPage(page);
        if (entries[index] != pte)
        {
            kernel.UnpinPage(page);
            return false;
        }

        pfn = page;
        return true;
    }

    /// <summary>The lockless walk to the leaf: its table's entries, its index and the entry read; null where gup_fast gives up.</summary>
    private (ulong[] Entries, int Index, ulong Pte)? WalkOne(MmStruct mm, ulong addr, bool write)
    {
        Geometry g = kernel.Geometry;
        PhysicalMemory mem = kernel.Machine.Memory;
        int cpu = kernel.Machine.Current.Id;
        int table = mm.Pgd.Pfn;
        uint generation = mem.Generation(table);
        for (int level = g.Levels - 1; level >= 0; level--)
        {
            // No lock: another CPU may unhook (and, were it not for RCU or the IPI, free)
            // this table between any two reads.
            kernel.Machine.Scheduler.SchedulingPoint(SchedPoint.LocklessRead);
            kernel.Observer.TableRead(cpu, table, generation, TableReader.GupFast);
            ulong[] entries = mem.TableEntries(table);
            int index = g.Index(addr, level);
            ulong e = entries[index];
            if (!Pte.Valid(e) || (write && !Pte.Write(e)) || Pte.IsSpecial(e))
            {
                return null;
            }

            if (level == 0 || (level == 1 && Pte.TransHuge(e)))
            {
                return (entries, index, e);
            }

            table = Pte.Pfn(e);
            generation = mem.Generation(table);
        }

        return null;
    }
}
