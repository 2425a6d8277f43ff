using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// mm/mremap.c (v6.18): resize a mapping in place or move it. Everything runs under the mmap
/// lock held for write, so faults and zappers of the same mm wait; what can still race is
/// what needs no mmap lock: user accesses through TLB entries, gup_fast, and rmap walkers
/// (writeback's folio_mkclean, under i_mmap_rwsem and the PTE lock).
/// <list type="bullet">
/// <item>shrink: do_vmi_munmap of the tail, the ordinary munmap path (without its downgrade);</item>
/// <item>grow in place (vma_expandable): the vma's end moves up, nothing is flushed;</item>
/// <item>move (MREMAP_MAYMOVE): get_unmapped_area, copy_vma, move_page_tables,
/// then do_vmi_munmap of the old range, whose gather frees the old, now empty tables
/// (<see cref="MremapMove"/>).</item>
/// </list>
/// Not modelled: MREMAP_FIXED / MREMAP_DONTUNMAP, copy_vma's merge of the new vma into a
/// neighbour and vma_merge_extend's merge with the next vma (each new range gets its own vma;
/// the flushes do not depend on it on any back-end here), and the move back after a failed
/// page-table allocation (refused).
/// </summary>
public sealed class Mremap(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>
    /// mremap(addr, oldLen, newLen, mayMove ? MREMAP_MAYMOVE : 0): the new start, or null when
    /// Linux would fail (EFAULT: [addr, addr + oldLen) is not inside one vma; ENOMEM: the
    /// mapping cannot grow in place and may not move).
    /// </summary>
    public ulong? DoMremap(MmStruct mm, ulong addr, ulong oldLen, ulong newLen, bool mayMove)
    {
        if ((addr & ~_g.PageMask) != 0 || oldLen == 0 || newLen == 0 || (oldLen & ~_g.PageMask) != 0 || (newLen & ~_g.PageMask) != 0)
        {
            throw new ArgumentException($"mremap(0x{addr:x}, 0x{oldLen:x}, 0x{newLen:x}): the start and both lengths must be page aligned and non-zero");
        }

        long op = kernel.BeginOperation("mremap", mm, addr, addr + oldLen);
        mm.MmapLock.DownWrite();
        ulong? result = Remap(mm, addr, oldLen, newLen, mayMove, op);
        mm.MmapLock.UpWrite();
        kernel.EndOperation(op, "mremap", mm, addr, addr + oldLen);
        return result;
    }

    private ulong? Remap(MmStruct mm, ulong addr, ulong oldLen, ulong newLen, bool mayMove, long op)
    {
        Vma? vma = mm.FindVma(addr);
        if (vma is null || vma.Start > addr || addr + oldLen > vma.End)
        {
            return null; // EFAULT (vrm_vma_check)
        }

        if (newLen <= oldLen)
        {
            if (newLen < oldLen)
            {
                kernel.Mmap.MunmapWriteLocked(mm, addr + newLen, addr + oldLen, op); // shrink_vma
            }

            return addr;
        }

        if (addr + oldLen == vma.End && Expandable(mm, vma, newLen - oldLen))
        {
            vma.End += newLen - oldLen; // expand_vma_in_place
            return addr;
        }

        return mayMove ? Move(vma, addr, oldLen, newLen, op) : null;
    }

    /// <summary>vma_expandable: nothing mapped in the growth, and it ends below TASK_SIZE.</summary>
    private bool Expandable(MmStruct mm, Vma vma, ulong delta)
    {
        ulong end = vma.End + delta;
        return end > vma.End && end <= _g.TaskSize && !mm.Vmas.Any(v => v.Start < end && v.End > vma.End);
    }

    /// <summary>
    /// move_vma: a new vma at a free address (the old one still occupies its range while the
    /// search runs), the page tables moved under it, then the old range unmapped.
    /// </summary>
    private ulong Move(Vma vma, ulong addr, ulong oldLen, ulong newLen, long op)
    {
        MmStruct mm = vma.Mm;
        ulong newAddr = kernel.Mmap.GetUnmappedArea(mm, newLen, vma);
        long pgoff = vma.PgOff + (long)((addr - vma.Start) >> _g.PageShift);
        Vma newVma = kernel.Mmap.InsertCopy(vma, newAddr, newAddr + newLen, pgoff);
        kernel.Counters.Add(Counter.MremapMoves);
        var move = new MremapMove(kernel, vma, addr, newVma, newAddr, oldLen);
        move.MovePageTables();
        kernel.Mmap.MunmapWriteLocked(mm, addr, addr + oldLen, op); // unmap_source_vma
        return newAddr;
    }
}
