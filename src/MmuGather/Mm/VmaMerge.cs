namespace MmuGather.Mm;

/// <summary>
/// mm/vma.c (v6.18): when a new mapping becomes part of a neighbouring vma instead of a vma
/// of its own (vma_merge_new_range), and which anon_vma a vma's first anonymous fault uses
/// (find_mergeable_anon_vma). /proc/PID/maps shows the result: consecutive anonymous mmaps
/// with identical flags are one line.
/// </summary>
public sealed class VmaMerge
{
    private int _nextAnonVmaId = 1;

    /// <summary>
    /// vma_merge_new_range for [start, end) (the gap get_unmapped_area found): grow the vma
    /// just below (prev) and/or just above (next) over it, if each is mergeable with the new
    /// mapping, and if merging with both, prev and next with each other too. Returns the vma
    /// that now covers the range (an existing one: it keeps its name), or null.
    /// </summary>
    public Vma? MergeNewRange(MmStruct mm, ulong start, ulong end, VmFlags flags, SimFile? file, long pgoff, int pageShift)
    {
        if (!MayMergeAtAll(flags, file))
        {
            return null;
        }

        long pages = (long)((end - start) >> pageShift);
        Vma? next = mm.FindVma(start);
        int nextIndex = next is null ? mm.Vmas.Count : mm.IndexOf(next);
        Vma? prev = nextIndex > 0 ? mm.Vmas[nextIndex - 1] : null;

        bool left = prev is not null && prev.End == start && IsMergeable(prev, flags, file)
            && (file is null || prev.PgOff + (long)((prev.End - prev.Start) >> pageShift) == pgoff);
        bool right = next is not null && next.Start == end && IsMergeable(next, flags, file)
            && (file is null || next.PgOff == pgoff + pages)
            && (!left || AnonVmasCompatible(prev!, next)); // can_vma_merge_right: the "both sides" case

        if (left && right)
        {
            // prev absorbs the gap and next; next's pages keep their anon_vma (dup_anon_vma).
            prev!.End = next!.End;
            prev.AnonVma ??= next.AnonVma;
            mm.RemoveVma(next);
            UnlinkFile(next);
            return prev;
        }

        if (left)
        {
            prev!.End = end;
            return prev;
        }

        if (right)
        {
            next!.Start = start;
            next.PgOff = file is null ? next.PgOff : pgoff;
            return next;
        }

        return null;
    }

    /// <summary>
    /// vma_merge_existing_range (mprotect's vma_modify_flags): [start, end) of the existing
    /// <paramref name="vma"/> is to get <paramref name="flags"/>. If it reaches the vma's start
    /// and the vma just below (prev) already has those flags, prev grows over it; if it reaches
    /// the vma's end and the vma just above (next) has them, next grows down over it; both, when
    /// the range is the whole vma. Returns the vma that now covers [start, end), or null (the
    /// caller splits instead). A vma that shrinks to nothing is removed.
    /// </summary>
    public Vma? MergeExistingRange(MmStruct mm, Vma vma, ulong start, ulong end, VmFlags flags, int pageShift)
    {
        if (!MayMergeAtAll(flags, vma.File))
        {
            return null;
        }

        int i = mm.IndexOf(vma);
        Vma? prev = i > 0 ? mm.Vmas[i - 1] : null;
        Vma? next = i + 1 < mm.Vmas.Count ? mm.Vmas[i + 1] : null;
        bool left = start == vma.Start && prev is not null && Adjacent(prev, vma, pageShift)
            && IsMergeable(prev, flags, vma.File) && AnonVmasCompatible(prev, vma);
        bool right = end == vma.End && next is not null && Adjacent(vma, next, pageShift)
            && IsMergeable(next, flags, vma.File) && AnonVmasCompatible(vma, next)
            && (!left || AnonVmasCompatible(prev!, next));
        if (left && right)
        {
            prev!.End = next!.End;
            prev.AnonVma ??= vma.AnonVma ?? next.AnonVma;
            Drop(mm, vma);
            Drop(mm, next);
            return prev;
        }

        if (left)
        {
            prev!.End = end;
            prev.AnonVma ??= vma.AnonVma;
            ShrinkFromBelow(mm, vma, end, pageShift);
            return prev;
        }

        if (right)
        {
            next!.PgOff -= (long)((next.Start - start) >> pageShift);
            next.Start = start;
            next.AnonVma ??= vma.AnonVma;
            if (start == vma.Start)
            {
                Drop(mm, vma);
            }
            else
            {
                vma.End = start;
            }

            return next;
        }

        return null;
    }

    /// <summary>Two neighbours that could be one vma: they touch, and a file's offsets run on.</summary>
    private static bool Adjacent(Vma lower, Vma upper, int pageShift) =>
        lower.End == upper.Start && ReferenceEquals(lower.File, upper.File)
        && (lower.File is null || lower.PgOff + (long)((lower.End - lower.Start) >> pageShift) == upper.PgOff);

    private static void ShrinkFromBelow(MmStruct mm, Vma vma, ulong newStart, int pageShift)
    {
        if (newStart == vma.End)
        {
            Drop(mm, vma);
            return;
        }

        vma.PgOff += (long)((newStart - vma.Start) >> pageShift);
        vma.Start = newStart;
    }

    private static void Drop(MmStruct mm, Vma vma)
    {
        mm.RemoveVma(vma);
        UnlinkFile(vma);
    }

    /// <summary>
    /// anon_vma_prepare: the anon_vma for a vma's first anonymous page. An adjacent vma that
    /// could merge with this one lends its own (find_mergeable_anon_vma), so that a later
    /// merge stays possible; otherwise a new one.
    /// </summary>
    public AnonVma AnonVmaPrepare(Vma vma)
    {
        if (vma.AnonVma is { } existing)
        {
            return existing;
        }

        MmStruct mm = vma.Mm;
        int i = mm.IndexOf(vma);
        Vma? prev = i > 0 ? mm.Vmas[i - 1] : null;
        Vma? next = i >= 0 && i + 1 < mm.Vmas.Count ? mm.Vmas[i + 1] : null;
        AnonVma? shared = null;
        if (next is not null && next.Start == vma.End && AnonVmaCompatible(vma, next))
        {
            shared = next.AnonVma;
        }

        if (shared is null && prev is not null && prev.End == vma.Start && AnonVmaCompatible(prev, vma))
        {
            shared = prev.AnonVma;
        }

        vma.AnonVma = shared ?? new AnonVma(_nextAnonVmaId++);
        return vma.AnonVma;
    }

    /// <summary>anon_vma_fork: a forked vma gets an anon_vma of its own (chained to the parent's, which the model does not need).</summary>
    internal AnonVma NewAnonVma() => new(_nextAnonVmaId++);

    /// <summary>
    /// VM_SPECIAL mappings never merge; a shared anonymous mapping is a shmem file of its own
    /// in Linux (shmem_zero_setup), so it never does either.
    /// </summary>
    private static bool MayMergeAtAll(VmFlags flags, SimFile? file) =>
        (flags & VmFlags.PfnMap) == 0 && (file is not null || (flags & VmFlags.Shared) == 0);

    /// <summary>
    /// is_mergeable_vma: identical flags (so a MADV_HUGEPAGE vma never merges with a
    /// MADV_NOHUGEPAGE one) and the same file. A new mapping has no anon_vma yet, which is
    /// compatible with any neighbour's (is_mergeable_anon_vma, cases 2 and 3).
    /// </summary>
    private static bool IsMergeable(Vma vma, VmFlags flags, SimFile? file) =>
        vma.Flags == flags && ReferenceEquals(vma.File, file) && MayMergeAtAll(vma.Flags, vma.File);

    /// <summary>are_anon_vmas_compatible: at most one of them has an anon_vma, or they share it.</summary>
    private static bool AnonVmasCompatible(Vma a, Vma b) => a.AnonVma is null || b.AnonVma is null || ReferenceEquals(a.AnonVma, b.AnonVma);

    /// <summary>anon_vma_compatible: <paramref name="a"/> ends where <paramref name="b"/> starts and the two could be one vma.</summary>
    private static bool AnonVmaCompatible(Vma a, Vma b) =>
        a.End == b.Start && a.Flags == b.Flags && ReferenceEquals(a.File, b.File) && MayMergeAtAll(a.Flags, a.File);

    private static void UnlinkFile(Vma vma)
    {
        if (vma.File is { } file)
        {
            file.IMmapRwsem.DownWrite();
            file.Mappings.Remove(vma);
            file.IMmapRwsem.UpWrite();
        }
    }
}
