namespace MmuGather.Machine;

/// <summary>One set-associative array of a <see cref="Tlb"/> for a single page size.</summary>
internal sealed class TlbArray
{
    private readonly TlbEntry[] _entries;
    private readonly byte[] _nextVictim;
    private readonly int _sets;
    private readonly int _ways;

    public TlbArray(int entries, int ways, int pageShift)
    {
        _ways = ways;
        _sets = entries / ways;
        _entries = new TlbEntry[_sets * ways];
        _nextVictim = new byte[_sets];
        PageShift = pageShift;
    }

    public int PageShift { get; }

    public bool Lookup(int asid, ulong va, out TlbEntry entry)
    {
        ulong vpn = va >> PageShift;
        int baseIndex = SetOf(vpn) * _ways;
        for (int w = 0; w < _ways; w++)
        {
            ref TlbEntry e = ref _entries[baseIndex + w];
            if (e.Valid && e.Vpn == vpn && e.Asid == asid)
            {
                entry = e;
                return true;
            }
        }

        entry = default;
        return false;
    }

    /// <summary>The slot a new entry for (asid, va) goes to: a same-tag entry, a free way, or round-robin.</summary>
    public ref TlbEntry Victim(int asid, ulong va)
    {
        ulong vpn = va >> PageShift;
        int set = SetOf(vpn);
        int baseIndex = set * _ways;
        int free = -1;
        for (int w = 0; w < _ways; w++)
        {
            ref TlbEntry e = ref _entries[baseIndex + w];
            if (e.Valid && e.Vpn == vpn && e.Asid == asid)
            {
                return ref e;
            }

            if (!e.Valid && free < 0)
            {
                free = w;
            }
        }

        if (free >= 0)
        {
            return ref _entries[baseIndex + free];
        }

        int victim = _nextVictim[set];
        _nextVictim[set] = (byte)((victim + 1) % _ways);
        return ref _entries[baseIndex + victim];
    }

    public int InvalidateMatching(int asid, ulong start, ulong end, int cpu, Observer observer)
    {
        // A single page is found through its set; a range or a whole asid scans every set.
        if (end - start == 1)
        {
            ulong vpn = start >> PageShift;
            int baseIndex = SetOf(vpn) * _ways;
            int dropped = 0;
            for (int w = 0; w < _ways; w++)
            {
                dropped += Drop(ref _entries[baseIndex + w], asid, start, end, cpu, observer);
            }

            return dropped;
        }

        int total = 0;
        for (int i = 0; i < _entries.Length; i++)
        {
            total += Drop(ref _entries[i], asid, start, end, cpu, observer);
        }

        return total;
    }

    public bool FindAny(int asid, ulong start, ulong end, out ulong va, out int pfn)
    {
        foreach (ref readonly TlbEntry e in _entries.AsSpan())
        {
            if (Matches(e, asid, start, end))
            {
                va = e.Vpn << PageShift;
                pfn = e.Pfn;
                return true;
            }
        }

        va = 0;
        pfn = 0;
        return false;
    }

    private int Drop(ref TlbEntry e, int asid, ulong start, ulong end, int cpu, Observer observer)
    {
        if (!Matches(e, asid, start, end))
        {
            return 0;
        }

        e.Valid = false;
        observer.TlbDropped(cpu, e.Asid, e.Vpn << PageShift, PageShift, e.Pfn);
        return 1;
    }

    private bool Matches(in TlbEntry e, int asid, ulong start, ulong end)
    {
        if (!e.Valid || (asid >= 0 && e.Asid != asid))
        {
            return false;
        }

        ulong first = e.Vpn << PageShift;
        ulong last = first + (1UL << PageShift) - 1;
        return last >= start && first <= end - 1;
    }

    private int SetOf(ulong vpn) => (int)(vpn % (ulong)_sets);
}
