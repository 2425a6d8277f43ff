using MmuGather.Mm;

namespace MmuGather.Arch.Common;

/// <summary>
/// One CPU's batch of pending translation-cache invalidations: powerpc hash's
/// ppc64_tlb_batch, sparc64's tlb_batch. Filled while lazy-MMU mode is active on the CPU
/// (<see cref="Active"/>), which only happens under a PTE lock, so nothing else runs on the
/// CPU meanwhile.
///
/// <para><b>Invariant:</b> every pending entry belongs to <see cref="Mm"/> and has the page
/// size <see cref="PageShift"/> (both batches hold one mm and one page size at a time), and
/// there are never more than the capacity.</para>
/// </summary>
internal sealed class LazyMmuBatch<TPending>(int capacity)
    where TPending : struct
{
    private readonly TPending[] _pending = new TPending[capacity];

    /// <summary>batch->active: lazy-MMU mode is on, changes queue instead of flushing at once.</summary>
    public bool Active { get; set; }

    public MmStruct? Mm { get; private set; }

    public int PageShift { get; private set; }

    public int Count { get; private set; }

    public bool IsFull => Count == _pending.Length;

    /// <summary>The pending entries; valid until <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<TPending> Pending => _pending.AsMemory(0, Count);

    /// <summary>Can an entry of this mm and page size join the batch without draining it first?</summary>
    public bool Accepts(MmStruct mm, int pageShift) => Count == 0 || (Mm == mm && PageShift == pageShift);

    public void Add(MmStruct mm, int pageShift, TPending entry)
    {
        if (Count == 0)
        {
            Mm = mm;
            PageShift = pageShift;
        }

        _pending[Count++] = entry;
    }

    public void Clear()
    {
        Count = 0;
        Mm = null;
    }
}
