namespace MmuGather.Machine;

/// <summary>
/// A paging-structure cache (Intel's PDE/PDPTE/PML4 caches, arm64's walk cache): remembers,
/// per asid, which table a walk reached at some level for a given address prefix, so the next
/// walk can skip the upper levels. It caches *pointers to tables*, which is why page-table
/// pages may only be freed after the walk caches of every CPU that might hold them were
/// invalidated (the freed_tables bit of the gather). Fully associative, round-robin.
/// </summary>
public sealed class WalkCache
{
    private readonly WalkCacheEntry[] _entries;
    private readonly Geometry _geometry;
    private int _next;

    public WalkCache(int entries, Geometry geometry)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entries);
        _entries = new WalkCacheEntry[entries];
        _geometry = geometry;
    }

    public int Capacity => _entries.Length;

    /// <summary>The deepest cached table for (asid, va): level and (pfn, generation) of that table.</summary>
    public bool Lookup(int asid, ulong va, out int level, out int pfn, out uint generation)
    {
        int bestLevel = int.MaxValue;
        pfn = 0;
        generation = 0;
        foreach (ref readonly WalkCacheEntry e in _entries.AsSpan())
        {
            if (e.Valid && e.Asid == asid && e.Level < bestLevel && e.Prefix == Prefix(va, e.Level))
            {
                bestLevel = e.Level;
                pfn = e.Pfn;
                generation = e.Generation;
            }
        }

        level = bestLevel;
        return bestLevel != int.MaxValue;
    }

    /// <summary>Remembers that the table covering va at <paramref name="level"/> is (pfn, generation).</summary>
    public void Fill(int asid, ulong va, int level, int pfn, uint generation)
    {
        if (_entries.Length == 0)
        {
            return;
        }

        ulong prefix = Prefix(va, level);
        int slot = -1;
        for (int i = 0; i < _entries.Length; i++)
        {
            ref WalkCacheEntry e = ref _entries[i];
            if (e.Valid && e.Asid == asid && e.Level == level && e.Prefix == prefix)
            {
                slot = i;
                break;
            }
        }

        if (slot < 0)
        {
            slot = _next;
            _next = (_next + 1) % _entries.Length;
        }

        _entries[slot] = new WalkCacheEntry { Valid = true, Asid = asid, Level = level, Prefix = prefix, Pfn = pfn, Generation = generation };
    }

    /// <summary>Drops every entry of asid (asid &lt; 0: of every asid).</summary>
    public int InvalidateAsid(int asid)
    {
        int n = 0;
        for (int i = 0; i < _entries.Length; i++)
        {
            ref WalkCacheEntry e = ref _entries[i];
            if (e.Valid && (asid < 0 || e.Asid == asid))
            {
                e.Valid = false;
                n++;
            }
        }

        return n;
    }

    private ulong Prefix(ulong va, int level) => va >> _geometry.TableSpanShift(level);

    private struct WalkCacheEntry
    {
        public ulong Prefix;
        public int Asid;
        public int Level;
        public int Pfn;
        public uint Generation;
        public bool Valid;
    }
}
