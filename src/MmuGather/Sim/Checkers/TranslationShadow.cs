using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// What each CPU *may* still translate, whatever its TLB happens to hold: hardware may fill
/// TLB and walk-cache entries speculatively from any present entry of the address space it
/// runs, so when an entry is unhooked, every CPU running that address space may hold it
/// until it invalidates that address. This shadow records those debts and clears them when
/// the CPU invalidates; checkers ask it whether a frame is still owed an invalidation.
///
/// <para>Leaf translations are owed by CPUs that run the mm in user mode (not lazy): a lazy
/// CPU executes no user code and must catch up before it does (the stale-TLB checker
/// catches it if it does not). Table pointers are owed by every CPU with the mm loaded,
/// lazy ones included, because a speculative walk needs no user code.</para>
/// </summary>
public sealed class TranslationShadow : Observer
{
    private const int MaxDebtsPerCpu = 1 << 22;

    private readonly List<Debt>[] _debts;
    private readonly int[] _loadedAsid;
    private readonly bool[] _lazy;
    private readonly FrameMap<int> _owedByFrame;
    private readonly Geometry _geometry;
    private readonly Dictionary<long, long> _operationStart = [];
    private readonly Dictionary<long, List<(ulong Start, ulong End)>> _operationCovers = [];
    private readonly Dictionary<int, int> _operationsInFlight = [];
    private readonly Dictionary<(int Asid, ulong Va), long> _installedAt = [];
    private long _seq;
    private long _lastReturnedStart;

    public TranslationShadow(int cpus, int frames, Geometry geometry)
    {
        _geometry = geometry;
        _debts = new List<Debt>[cpus];
        _loadedAsid = new int[cpus];
        _lazy = new bool[cpus];
        _owedByFrame = new FrameMap<int>(frames);
        for (int i = 0; i < cpus; i++)
        {
            _debts[i] = [];
            _loadedAsid[i] = -1;
        }
    }

    /// <summary>How many invalidations (CPU x address, or translation-cache entries) the frame is still owed.</summary>
    public int Owed(int pfn) => _owedByFrame.Get(pfn) + CachedEntries(pfn);

    /// <summary>The first CPU still owing an invalidation of frame pfn, with the address.</summary>
    public bool FindDebt(int pfn, out int cpu, out ulong va)
    {
        for (cpu = 0; cpu < _debts.Length; cpu++)
        {
            foreach (Debt d in _debts[cpu])
            {
                if (d.Maps(pfn))
                {
                    va = d.Start;
                    return true;
                }
            }
        }

        // Added with powerpc hash and sparc64: an entry of the translation cache, which no
        // CPU in particular holds (cpu -1) and every CPU running the mm may load.
        cpu = -1;
        return FindCachedEntry(pfn, out va);
    }

    /// <summary>Does <paramref name="cpu"/> still owe an invalidation of a translation to <paramref name="pfn"/>?</summary>
    public bool CpuOwes(int cpu, int pfn)
    {
        if (_owedByFrame.Get(pfn) == 0)
        {
            return false;
        }

        foreach (Debt d in _debts[cpu])
        {
            if (!d.Table && d.Maps(pfn))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The sequence number at which the operation that just returned began: translations
    /// installed after it (by a concurrent fault) are not its business.
    /// </summary>
    public long LastReturnedStart => _lastReturnedStart;

    /// <summary>The ranges the operation that just returned walked (<see cref="Observer.OperationCovers"/>).</summary>
    public IReadOnlyList<(ulong Start, ulong End)> LastReturnedCovers { get; private set; } = [];

    /// <summary>
    /// A leaf debt of asid overlapping [start, end) on some CPU, for a translation installed
    /// before sequence number <paramref name="installedBefore"/> (for post-conditions).
    /// </summary>
    public bool FindLeafDebt(int asid, ulong start, ulong end, long installedBefore, out int cpu, out ulong va)
    {
        for (cpu = 0; cpu < _debts.Length; cpu++)
        {
            foreach (Debt d in _debts[cpu])
            {
                if (!d.Table && d.Asid == asid && d.Start < end && d.End > start && d.InstalledSeq < installedBefore)
                {
                    va = d.Start;
                    return true;
                }
            }
        }

        cpu = -1;
        va = 0;
        return false;
    }

    public override void AsidLoaded(int cpu, int asid)
    {
        // Another root is loaded: the old one is no longer walked or used by this CPU. Its
        // leftovers are judged when it comes back (the stale-TLB and freed-table checkers).
        if (_loadedAsid[cpu] != asid)
        {
            DropDebts(cpu, _loadedAsid[cpu], 0, ulong.MaxValue, leaves: true, tables: true);
        }

        _loadedAsid[cpu] = asid;
    }

    public override void LazyTlb(int cpu, bool lazy)
    {
        _lazy[cpu] = lazy;
        if (lazy)
        {
            DropDebts(cpu, -1, 0, ulong.MaxValue, leaves: true, tables: false);
        }
    }

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
    {
        _operationStart[id] = ++_seq;
        _operationsInFlight[asid] = _operationsInFlight.GetValueOrDefault(asid) + 1;
    }

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        _operationStart.Remove(id, out _lastReturnedStart);
        LastReturnedCovers = _operationCovers.Remove(id, out var covers) ? covers : [];
        int left = _operationsInFlight[asid] - 1;
        if (left > 0)
        {
            _operationsInFlight[asid] = left;
            return;
        }

        _operationsInFlight.Remove(asid);
        foreach (var key in _installedAt.Keys.Where(k => k.Asid == asid).ToList())
        {
            _installedAt.Remove(key);
        }
    }

    public override void OperationCovers(long id, int asid, ulong start, ulong end)
    {
        if (!_operationCovers.TryGetValue(id, out var covers))
        {
            _operationCovers[id] = covers = [];
        }

        covers.Add((start, end));
    }

    public override void LeafInstalled(int asid, ulong va, int level, int pfn)
    {
        // Only needed while an operation of this mm is in flight: a fault racing with it.
        if (_operationsInFlight.ContainsKey(asid))
        {
            _installedAt[(asid, va)] = ++_seq;
        }
    }

    public override void LeafCleared(int asid, ulong va, int level, int pfn)
    {
        long installed = _installedAt.Count > 0 && _installedAt.Remove((asid, va), out long seq) ? seq : 0;
        if (_fillsFromCache)
        {
            return; // added with powerpc hash and sparc64: only the cache's entries reach a TLB there
        }

        AddDebts(asid, va, va + _geometry.EntrySpan(level), pfn, table: false, installed);
    }

    public override void TableUnhooked(int asid, ulong va, int level, int pfn)
    {
        if (_fillsFromCache)
        {
            return; // added with powerpc hash and sparc64: no hardware walks the page tables there
        }

        ulong span = _geometry.TableSpan(level);
        ulong start = va & ~(span - 1);
        AddDebts(asid, start, start + span, pfn, table: true, installedSeq: 0);
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) =>
        DropDebts(cpu, asid, start, end, leaves: true, tables: walkCaches);

    /// <summary>
    /// A retired tag is never loaded again before a rollover flushes every TLB, so no CPU can
    /// use a leaf entry left under it: its leaf debts are void everywhere. Table debts stay: a
    /// CPU that keeps the tables loaded may still walk them speculatively. Were a retired tag
    /// used after all, the stale-TLB checker would still see the access.
    /// </summary>
    public override void AsidRetired(int asid)
    {
        for (int cpu = 0; cpu < _debts.Length; cpu++)
        {
            DropDebts(cpu, asid, 0, ulong.MaxValue, leaves: true, tables: false);
        }

        VoidCachedEntries(asid); // added with sparc64: the retired context's TSB dies with it
    }

    private void AddDebts(int asid, ulong start, ulong end, int pfn, bool table, long installedSeq)
    {
        for (int cpu = 0; cpu < _debts.Length; cpu++)
        {
            if (_loadedAsid[cpu] != asid || (!table && _lazy[cpu]))
            {
                continue;
            }

            if (_debts[cpu].Count >= MaxDebtsPerCpu)
            {
                throw new InvalidOperationException($"translation shadow: more than {MaxDebtsPerCpu} unflushed entries on CPU{cpu}");
            }

            // A huge leaf maps all its frames: once its PMD is split, each may be freed alone.
            int frames = table ? 1 : (int)((end - start) >> _geometry.PageShift);
            var debt = new Debt(asid, start, end, pfn, frames, table, installedSeq);
            _debts[cpu].Add(debt);
            CountFrames(debt, +1);
        }
    }

    /// <summary>Clears the debts of <paramref name="cpu"/> for asid (-1: any) overlapping [start, end).</summary>
    private void DropDebts(int cpu, int asid, ulong start, ulong end, bool leaves, bool tables)
    {
        List<Debt> list = _debts[cpu];
        int kept = 0;
        for (int i = 0; i < list.Count; i++)
        {
            Debt d = list[i];
            bool kindMatches = d.Table ? tables : leaves;
            if (kindMatches && (asid < 0 || d.Asid == asid) && d.Start < end && d.End > start)
            {
                CountFrames(d, -1);
            }
            else
            {
                list[kept++] = d;
            }
        }

        list.RemoveRange(kept, list.Count - kept);
    }

    // ---- added with powerpc hash and sparc64: TLBs filled only from a translation cache ----
    //
    // There the MMU never reads the page tables: a CPU holds a translation only if it loaded it
    // from the cache (the hashed page table, the TSB), and every CPU running the mm may load
    // any entry of it at any time. So a cleared PTE or an unhooked table creates no debt by
    // itself (above); a frame is owed while a cache entry maps it, and once the entry is gone,
    // each CPU that runs the mm may still hold a copy until it invalidates that page.

    private readonly Dictionary<(int Asid, ulong Va, int Pfn), (int Count, long InstalledSeq)> _cached = [];
    private readonly Dictionary<int, int> _cachedByFrame = [];
    private bool _fillsFromCache;

    public override void TranslationCacheAttached() => _fillsFromCache = true;

    public override void CachedTranslationInserted(int asid, ulong va, int pfn, bool writable)
    {
        // When its PTE was installed, if during an operation of the mm (a huge PMD: its first page).
        long installed = _installedAt.GetValueOrDefault((asid, va), _installedAt.GetValueOrDefault((asid, va & ~(_geometry.EntrySpan(1) - 1))));
        (int count, long seq) = _cached.GetValueOrDefault((asid, va, pfn), (0, installed));
        _cached[(asid, va, pfn)] = (count + 1, Math.Min(seq, installed));
        _cachedByFrame[pfn] = _cachedByFrame.GetValueOrDefault(pfn) + 1;
    }

    public override void CachedTranslationRemoved(int asid, ulong va, int pfn)
    {
        if (!ForgetCachedEntry((asid, va, pfn), out long installed))
        {
            return; // voided with its retired tag
        }

        AddDebts(asid, va, va + _geometry.PageSize, pfn, table: false, installed);
    }

    private int CachedEntries(int pfn) => _cachedByFrame.Count == 0 ? 0 : _cachedByFrame.GetValueOrDefault(pfn);

    private bool FindCachedEntry(int pfn, out ulong va)
    {
        foreach (var (asid, page, frame) in _cached.Keys)
        {
            if (frame == pfn)
            {
                va = page;
                return true;
            }
        }

        va = 0;
        return false;
    }

    private bool ForgetCachedEntry((int Asid, ulong Va, int Pfn) key, out long installedSeq)
    {
        if (!_cached.TryGetValue(key, out var entry))
        {
            installedSeq = 0;
            return false;
        }

        installedSeq = entry.InstalledSeq;
        if (entry.Count == 1)
        {
            _cached.Remove(key);
        }
        else
        {
            _cached[key] = (entry.Count - 1, entry.InstalledSeq);
        }

        UncountFrame(key.Pfn, 1);
        return true;
    }

    private void VoidCachedEntries(int asid)
    {
        foreach (var key in _cached.Keys.Where(k => k.Asid == asid).ToList())
        {
            _cached.Remove(key, out var entry);
            UncountFrame(key.Pfn, entry.Count);
        }
    }

    private void UncountFrame(int pfn, int entries)
    {
        int left = _cachedByFrame[pfn] - entries;
        if (left == 0)
        {
            _cachedByFrame.Remove(pfn);
        }
        else
        {
            _cachedByFrame[pfn] = left;
        }
    }

    /// <summary>A translation a CPU may still use; InstalledSeq is when it was installed if during an operation (else 0).</summary>
    private void CountFrames(Debt d, int delta)
    {
        for (int i = 0; i < d.Frames; i++)
        {
            _owedByFrame.At(d.Pfn + i) += delta;
        }
    }

    /// <summary>An invalidation a CPU still owes: of a leaf mapping <see cref="Frames"/> frames from <see cref="Pfn"/>, or of a table pointer.</summary>
    private readonly record struct Debt(int Asid, ulong Start, ulong End, int Pfn, int Frames, bool Table, long InstalledSeq)
    {
        public bool Maps(int pfn) => pfn >= Pfn && pfn < Pfn + Frames;
    }
}
