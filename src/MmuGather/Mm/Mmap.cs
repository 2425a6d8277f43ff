using MmuGather.Machine;

namespace MmuGather.Mm;

/// <summary>
/// mm/mmap.c and mm/vma.c: do_mmap, do_munmap (with vma splitting and the downgrade of the
/// mmap lock to read before zapping), unmap_region, and exit_mmap (the fullmm teardown).
/// </summary>
public sealed class Mmap(Kernel kernel)
{
    private readonly Geometry _g = kernel.Geometry;

    /// <summary>mmap_base: top-down allocation starts 1 TiB below TASK_SIZE (room for the stack).</summary>
    public ulong MmapBase => _g.TaskSize - (1UL << 40);

    /// <summary>
    /// do_mmap for callers that map into an empty mm: the vma that covers the new mapping.
    /// After a merge (<see cref="VmaMerge.MergeNewRange"/>) that vma is larger than the mapping.
    /// </summary>
    public Vma DoMmap(MmStruct mm, MappingRequest request)
    {
        ulong start = DoMmap(mm, request, out _);
        return mm.FindVma(start) ?? throw new InvalidOperationException($"mm{mm.Id}: the mapping at 0x{start:x} is gone already");
    }

    /// <summary>
    /// do_mmap (+ mm_populate): returns the start address, or throws if no gap fits. The
    /// mapping may have become part of a neighbouring vma: what was mapped is
    /// [address, address + length), not the vma at address. <paramref name="file"/>: the
    /// file created to back a file mapping.
    /// </summary>
    public ulong DoMmap(MmStruct mm, MappingRequest request, out SimFile? file)
    {
        ulong length = AlignUp(request.Length);
        if (length == 0 || length >= MmapBase)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"mmap length 0x{request.Length:x} is not usable");
        }

        VmFlags flags = VmFlags.Read | VmFlags.Write | (request.Shared ? VmFlags.Shared : 0) | (request.Thp ? VmFlags.HugePage : 0);
        file = request.FileBacked ? kernel.CreateFile(request.Name) : null;
        mm.MmapLock.DownWrite();
        ulong start = GetUnmappedArea(mm, length, ThpAligned(request, length));
        if (kernel.VmaMerge.MergeNewRange(mm, start, start + length, flags, file, 0, _g.PageShift) is null)
        {
            var vma = new Vma(mm, start, start + length, flags, file, 0, request.Name);
            mm.InsertVma(vma);
            LinkFileVma(vma);
        }

        mm.MmapLock.UpWrite();
        if (request.Populate)
        {
            MmPopulate(mm, start, start + length);
        }

        return start;
    }

    /// <summary>
    /// __mm_populate: fault in whatever vmas lie in [start, end) now. The lock was dropped
    /// after the mmap, so the vma this call created may be gone, cut or replaced:
    /// <code>
    /// thread A: mmap(r) ... up_write          thread B: munmap(r): detach, zap, free tables
    /// thread A: down_read, populate the vma it still holds -> faults into a detached vma:
    ///           its pages and tables are reachable from no vma and never freed
    /// </code>
    /// so the vmas are looked up again under the read lock, as Linux does.
    /// </summary>
    private void MmPopulate(MmStruct mm, ulong start, ulong end)
    {
        mm.MmapLock.DownRead();
        foreach (Vma v in mm.Vmas.Where(v => v.End > start && v.Start < end).ToList())
        {
            if (kernel.Faults.Populate(v, Math.Max(v.Start, start), Math.Min(v.End, end)) != FaultResult.Ok)
            {
                break;
            }
        }

        mm.MmapLock.UpRead();
    }

    /// <summary>
    /// do_munmap: split the vmas at the edges, detach them under the write lock, downgrade to
    /// the read lock (so page faults and MADV_DONTNEED of other threads may run alongside),
    /// then unmap_region. Nothing mapped in the range is not an error.
    /// </summary>
    public void DoMunmap(MmStruct mm, ulong start, ulong length)
    {
        if ((start & ~_g.PageMask) != 0 || length == 0)
        {
            throw new ArgumentException($"munmap(0x{start:x}, 0x{length:x}): start must be page aligned and length non-zero");
        }

        ulong end = start + AlignUp(length);
        long op = kernel.BeginOperation("munmap", mm, start, end);
        mm.MmapLock.DownWrite();
        List<Vma> detached = Detach(mm, start, end, out Vma? prev, out Vma? next);
        if (detached.Count == 0)
        {
            mm.MmapLock.UpWrite();
            kernel.EndOperation(op, "munmap", mm, start, end);
            return;
        }

        CoverDetached(op, mm, detached);
        mm.MmapLock.DowngradeWrite();
        UnmapRegion(mm, detached, start, end, prev?.End ?? 0, next?.Start ?? 0);
        mm.MmapLock.UpRead();
        kernel.EndOperation(op, "munmap", mm, start, end);
    }

    /// <summary>
    /// do_vmi_munmap(..., unlock = false): the same unmap for a caller that holds the mmap lock
    /// for write and keeps it (mremap's shrink and the unmap of a moved range): no downgrade.
    /// </summary>
    internal void MunmapWriteLocked(MmStruct mm, ulong start, ulong end, long op)
    {
        List<Vma> detached = Detach(mm, start, end, out Vma? prev, out Vma? next);
        if (detached.Count > 0)
        {
            CoverDetached(op, mm, detached);
            UnmapRegion(mm, detached, start, end, prev?.End ?? 0, next?.Start ?? 0);
        }
    }

    private void CoverDetached(long op, MmStruct mm, List<Vma> detached)
    {
        foreach (Vma vma in detached)
        {
            kernel.CoverOperation(op, mm, vma.Start, vma.End);
        }
    }

    /// <summary>
    /// get_unmapped_area for mremap's move (vrm_set_new_addr): the same placement rules as a
    /// new mapping of <paramref name="length"/> bytes with the vma's sharing and backing.
    /// </summary>
    internal ulong GetUnmappedArea(MmStruct mm, ulong length, Vma like)
    {
        var request = new MappingRequest(like.Name, length, like.IsShared, like.File is not null, (like.Flags & VmFlags.HugePage) != 0, false);
        return GetUnmappedArea(mm, length, ThpAligned(request, length));
    }

    /// <summary>copy_vma without the merge: a vma for [start, end) like <paramref name="like"/>, linked into the rmap.</summary>
    internal Vma InsertCopy(Vma like, ulong start, ulong end, long pgoff)
    {
        var vma = new Vma(like.Mm, start, end, like.Flags, like.File, pgoff, like.Name) { AnonVma = like.AnonVma };
        like.Mm.InsertVma(vma);
        LinkFileVma(vma);
        return vma;
    }

    /// <summary>unmap_region: one gather for the zap of every vma and the page tables they leave.</summary>
    public void UnmapRegion(MmStruct mm, IReadOnlyList<Vma> vmas, ulong start, ulong end, ulong floor, ulong ceiling)
    {
        Gather tlb = Gather.TlbGatherMmu(kernel, mm);
        kernel.Zap.UnmapVmas(tlb, vmas, start, end);
        kernel.FreePgtables.Free(tlb, vmas, floor, ceiling);
        tlb.TlbFinishMmu();
    }

    /// <summary>
    /// exit_mmap: the last user is gone. Zap everything with a fullmm gather under the read
    /// lock, free every table under the write lock, flush once, and drop the vmas.
    /// </summary>
    public void ExitMmap(MmStruct mm)
    {
        kernel.Diag.Assert(!mm.Dead, "exit_mmap of mm{0} twice", mm.Id);
        var vmas = mm.Vmas.ToList();
        long op = kernel.BeginOperation("exit", mm, 0, _g.TaskSize);
        mm.MmapLock.DownRead();
        kernel.CoverOperation(op, mm, 0, _g.TaskSize);
        Gather tlb = Gather.TlbGatherMmuFullMm(kernel, mm);
        kernel.Zap.UnmapVmas(tlb, vmas, 0, ulong.MaxValue);
        mm.MmapLock.UpRead();
        mm.MmapLock.DownWrite();
        kernel.FreePgtables.Free(tlb, vmas, 0, 0);
        tlb.TlbFinishMmu();
        foreach (Vma vma in vmas)
        {
            mm.RemoveVma(vma);
        }

        mm.Dead = true;
        mm.MmapLock.UpWrite();
        kernel.EndOperation(op, "exit", mm, 0, _g.TaskSize);
    }

    private List<Vma> Detach(MmStruct mm, ulong start, ulong end, out Vma? prev, out Vma? next)
    {
        Vma? first = mm.FindVma(start);
        if (first is not null && first.Start < start && first.End > start)
        {
            SplitVma(mm, first, start);
        }

        Vma? last = mm.FindVma(end - 1);
        if (last is not null && last.Start < end && last.End > end)
        {
            SplitVma(mm, last, end);
        }

        var detached = mm.Vmas.Where(v => v.Start >= start && v.End <= end).ToList();
        prev = mm.Vmas.LastOrDefault(v => v.End <= start);
        next = mm.Vmas.FirstOrDefault(v => v.Start >= end);
        foreach (Vma vma in detached)
        {
            mm.RemoveVma(vma);
        }

        return detached;
    }

    /// <summary>__split_vma: cut <paramref name="vma"/> at addr; the upper part becomes a new vma.</summary>
    internal Vma SplitVma(MmStruct mm, Vma vma, ulong addr)
    {
        var upper = new Vma(mm, addr, vma.End, vma.Flags, vma.File, vma.PgOff + (long)((addr - vma.Start) >> _g.PageShift), vma.Name)
        {
            AnonVma = vma.AnonVma, // both halves' pages stay findable through the same anon_vma
        };
        vma.End = addr;
        mm.InsertVma(upper);
        LinkFileVma(upper);
        return upper;
    }

    /// <summary>
    /// Which mappings __get_unmapped_area (v6.18) places through __thp_get_unmapped_area:
    /// private anonymous ones whose length is a multiple of PMD_SIZE (d4148aeab412 limited it
    /// to those), and file ones of at least PMD_SIZE, since ext4 and xfs (the host's /tmp is
    /// ext4) use thp_get_unmapped_area as their get_unmapped_area. Shared anonymous memory goes
    /// to shmem_get_unmapped_area, which aligns nothing while shmem THP is off (the default).
    /// </summary>
    private bool ThpAligned(MappingRequest request, ulong length)
    {
        ulong pmd = _g.EntrySpan(1);
        if (request.FileBacked)
        {
            return length >= pmd;
        }

        return !request.Shared && (request.Thp || length % pmd == 0);
    }

    /// <summary>get_unmapped_area: the PMD-aligned search where it applies, else (or when it fails) the plain one.</summary>
    private ulong GetUnmappedArea(MmStruct mm, ulong length, bool thpAligned)
    {
        if (thpAligned && ThpGetUnmappedArea(mm, length) is { } aligned)
        {
            return aligned;
        }

        return UnmappedAreaTopdown(mm, length) ?? throw new InvalidOperationException($"no gap of 0x{length:x} bytes left in mm{mm.Id}");
    }

    /// <summary>
    /// __thp_get_unmapped_area with file offset 0: search for length + PMD_SIZE, so that a
    /// PMD-aligned start always fits whatever the gap's alignment, then align. A gap that
    /// would hold an aligned mapping only without the padding is passed over for a lower one;
    /// if no gap takes the padded length, the caller places the mapping unaligned. Top-down,
    /// an already aligned result moves up by PMD_SIZE (the padding goes below): either way
    /// the mapping ends up at the highest aligned address under the gap's top.
    /// </summary>
    private ulong? ThpGetUnmappedArea(MmStruct mm, ulong length)
    {
        ulong size = _g.EntrySpan(1);
        ulong padded = length + size;
        if (padded < length || UnmappedAreaTopdown(mm, padded) is not { } ret)
        {
            return null;
        }

        ulong offSub = (0 - ret) & (size - 1);
        return offSub == 0 ? ret + size : ret + offSub;
    }

    /// <summary>
    /// unmapped_area_topdown (no align mask for anonymous or ordinary file mappings on x86):
    /// the top of the highest gap below mmap_base at least <paramref name="length"/> long.
    /// </summary>
    private ulong? UnmappedAreaTopdown(MmStruct mm, ulong length)
    {
        ulong ceiling = MmapBase;
        for (int i = mm.Vmas.Count - 1; i >= 0; i--)
        {
            Vma vma = mm.Vmas[i];
            if (vma.Start >= ceiling)
            {
                continue;
            }

            if (vma.End < ceiling && ceiling - vma.End >= length)
            {
                return ceiling - length;
            }

            ceiling = vma.Start;
        }

        ulong lowest = _g.EntrySpan(2);
        return ceiling > lowest && ceiling - lowest >= length ? ceiling - length : null;
    }

    private ulong AlignUp(ulong length) => (length + _g.PageSize - 1) & _g.PageMask;

    /// <summary>vma_link's file half: the mapping becomes visible to rmap walkers.</summary>
    internal static void LinkFileVma(Vma vma)
    {
        if (vma.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            file.Mappings.Add(vma);
            file.IMmapRwsem.UpWrite();
        }
    }
}
