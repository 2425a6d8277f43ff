namespace MmuGather.Machine;

/// <summary>
/// A per-CPU TLB tagged by address-space id (PCID/ASID), set-associative, with one array for
/// base pages and a smaller one for huge (PMD-sized) pages, as x86 parts have. Replacement is
/// round-robin within a set: deterministic, and good enough to evict.
/// Every fill and every drop (eviction or invalidation) is reported, so oracles can track
/// exactly which frames are still reachable through some CPU's TLB.
/// </summary>
public sealed class Tlb
{
    private readonly TlbArray _small;
    private readonly TlbArray _huge;
    private readonly int _cpu;
    private readonly Observer _observer;

    public Tlb(int cpu, int entries, int ways, int pageShift, int hugeShift, Observer observer)
    {
        if (entries < ways || ways < 1 || entries % ways != 0)
        {
            throw new ArgumentException($"TLB of {entries} entries and {ways} ways: entries must be a positive multiple of ways");
        }

        _cpu = cpu;
        _observer = observer;
        _small = new TlbArray(entries, ways, pageShift);
        _huge = new TlbArray(Math.Max(ways, entries / 48 * 2), Math.Min(ways, 4), hugeShift);
        Entries = entries;
    }

    public int Entries { get; }

    /// <summary>Looks up va; returns the entry and the page shift it maps with.</summary>
    public bool Lookup(int asid, ulong va, out TlbEntry entry, out int pageShift)
    {
        if (_small.Lookup(asid, va, out entry))
        {
            pageShift = _small.PageShift;
            return true;
        }

        pageShift = _huge.PageShift;
        return _huge.Lookup(asid, va, out entry);
    }

    public void Fill(int asid, ulong va, int pageShift, int pfn, uint generation, bool writable, bool dirty)
    {
        var array = pageShift == _small.PageShift ? _small : _huge;
        ref TlbEntry slot = ref array.Victim(asid, va);
        if (slot.Valid)
        {
            _observer.TlbDropped(_cpu, slot.Asid, slot.Vpn << array.PageShift, array.PageShift, slot.Pfn);
        }

        slot = new TlbEntry
        {
            Vpn = va >> pageShift,
            Asid = asid,
            Pfn = pfn,
            Generation = generation,
            Valid = true,
            Writable = writable,
            Dirty = dirty,
        };
        _observer.TlbFilled(_cpu, asid, va & ~((1UL << pageShift) - 1), pageShift, pfn, generation);
    }

    /// <summary>INVLPG: drops any entry (of any page size) of asid that maps va.</summary>
    public int InvalidatePage(int asid, ulong va) =>
        _small.InvalidateMatching(asid, va, va + 1, _cpu, _observer) + _huge.InvalidateMatching(asid, va, va + 1, _cpu, _observer);

    /// <summary>Drops every entry of asid overlapping [start, end).</summary>
    public int InvalidateRange(int asid, ulong start, ulong end) =>
        _small.InvalidateMatching(asid, start, end, _cpu, _observer) + _huge.InvalidateMatching(asid, start, end, _cpu, _observer);

    /// <summary>Drops every entry of asid (a full flush of one PCID); asid &lt; 0 drops everything.</summary>
    public int InvalidateAsid(int asid) =>
        _small.InvalidateMatching(asid, 0, ulong.MaxValue, _cpu, _observer) + _huge.InvalidateMatching(asid, 0, ulong.MaxValue, _cpu, _observer);

    /// <summary>Finds one live entry of asid overlapping [start, end), for a violation message.</summary>
    public bool FindAny(int asid, ulong start, ulong end, out ulong va, out int pfn) =>
        _small.FindAny(asid, start, end, out va, out pfn) || _huge.FindAny(asid, start, end, out va, out pfn);
}
