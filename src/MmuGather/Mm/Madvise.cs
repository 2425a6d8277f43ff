namespace MmuGather.Mm;

/// <summary>
/// mm/madvise.c, MADV_DONTNEED: zap the pages of a range but keep the vmas (and, without
/// PT_RECLAIM, the page tables). Runs under the mmap lock for read, so it can race with another zapper of the
/// same mm; one gather covers every vma in the range. With CONFIG_PT_RECLAIM (x86-64, v6.14+)
/// the zap also frees the PTE tables it emptied over their whole span (<see cref="PteReclaim"/>),
/// which costs the gather a table flush at tlb_finish_mmu.
/// </summary>
public sealed class Madvise(Kernel kernel)
{
    public void DontNeed(MmStruct mm, ulong start, ulong length)
    {
        ulong end = start + length;
        long op = kernel.BeginOperation("madvise", mm, start, end);
        mm.MmapLock.DownRead();
        Gather tlb = Gather.TlbGatherMmu(kernel, mm);
        foreach (Vma vma in mm.Vmas.Where(v => v.End > start && v.Start < end).ToList())
        {
            kernel.CoverOperation(op, mm, Math.Max(vma.Start, start), Math.Min(vma.End, end));
            kernel.Zap.UnmapSingleVma(tlb, vma, start, end, reclaimPt: kernel.PtReclaimEnabled);
        }

        tlb.TlbFinishMmu();
        mm.MmapLock.UpRead();
        kernel.EndOperation(op, "madvise", mm, start, end);
    }
}
