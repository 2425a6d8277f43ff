namespace MmuGather.Mm;

/// <summary>
/// How change_protection's flushes are batched. Today (since 4a18419f71cd): one mmu_gather for
/// the whole mprotect, flushed by tlb_finish_mmu. With the 2.6-era gather
/// (<see cref="GatherMode.PerCpu26"/>, which pins its CPU and so could never span a walk that
/// reschedules) the model uses what mprotect did before that commit: each vma's changed range
/// is flushed with flush_tlb_range at the end of change_protection_range, with
/// mm->tlb_flush_pending raised across the walk (inc/dec_tlb_flush_pending).
/// </summary>
internal sealed class ProtectionFlush
{
    private readonly Kernel _kernel;
    private readonly MmStruct _mm;
    private readonly Gather? _tlb;
    private ulong _start = ulong.MaxValue;
    private ulong _end;
    private int _level = PageLevel.Pte;

    public ProtectionFlush(Kernel kernel, MmStruct mm)
    {
        _kernel = kernel;
        _mm = mm;
        _tlb = kernel.GatherMode == GatherMode.Current ? Gather.TlbGatherMmu(kernel, mm) : null;
    }

    /// <summary>change_protection_range begins on a vma (the legacy path raises tlb_flush_pending).</summary>
    public void StartVma()
    {
        if (_tlb is null)
        {
            _mm.TlbFlushPending.IncrementAndGet();
        }
    }

    /// <summary>tlb_flush_pte_range / tlb_flush_pmd_range, or the legacy path's "pages changed" range.</summary>
    public void Record(int level, ulong address, ulong size)
    {
        if (_tlb is not null)
        {
            _tlb.FlushLevelRange(level, address, size);
            return;
        }

        _start = Math.Min(_start, address);
        _end = Math.Max(_end, address + size);
        _level = Math.Max(_level, level);
    }

    /// <summary>The end of change_protection_range: the legacy path flushes what changed, then drops tlb_flush_pending.</summary>
    public void EndVma()
    {
        if (_tlb is not null)
        {
            return;
        }

        if (_end != 0)
        {
            _kernel.Arch.FlushTlbRange(_mm, _start, _end, _level, freedTables: false);
        }

        _start = ulong.MaxValue;
        _end = 0;
        _level = PageLevel.Pte;
        _mm.TlbFlushPending.DecrementAndGet();
    }

    /// <summary>tlb_finish_mmu, before mprotect returns (nothing left to do on the legacy path).</summary>
    public void Finish() => _tlb?.TlbFinishMmu();
}
