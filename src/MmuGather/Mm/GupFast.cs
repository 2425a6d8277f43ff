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
    /// <summary>Pins up to <paramref name="pages"/> pages from start; returns the pinned frames.</summary>
    public List<int> Pin(MmStruct mm, ulong start, int pages, bool write)
    {
        var pinned = new List<int>(pages);
        bool irqs = kernel.Machine.LocalIrqSave();
        for (int i = 0; i < pages; i++)
        {
            ulong addr = start + ((ulong)i << kernel.Geometry.PageShift);
            int pfn = WalkOne(mm, addr, write);
            if (pfn < 0)
            {
                break; // the slow path (get_user_pages) would take over here
            }

            kernel.GetPage(pfn);
            pinned.Add(pfn);
        }

        kernel.Machine.LocalIrqRestore(irqs);
        kernel.Counters.Add(Counter.GupFastPages, pinned.Count);
        return pinned;
    }

    /// <summary>unpin_user_pages.</summary>
    public void Unpin(List<int> pinned)
    {
        foreach (int pfn in pinned)
        {
            kernel.PutPage(pfn);
        }
    }

    private int WalkOne(MmStruct mm, ulong addr, bool write)
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
            ulong e = mem.TableEntries(table)[g.Index(addr, level)];
            if (!Pte.Valid(e) || (write && !Pte.Write(e)) || Pte.IsSpecial(e))
            {
                return -1;
            }

            if (level == 0 || (level == 1 && Pte.TransHuge(e)))
            {
                return Pte.Pfn(e);
            }

            table = Pte.Pfn(e);
            generation = mem.Generation(table);
        }

        return -1;
    }
}
