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

    /// <summary>How many invalidations (CPU x address) the frame is still owed.</summary>
    public int Owed(int pfn) => _owedByFrame.Get(pfn);

    /// <summary>The first CPU still owing an invalidation of frame pfn, with the address.</summary>
    public bool FindDebt(int pfn, out int cpu, out ulong va)
    {
        for (cpu = 0; cpu < _debts.Length; cpu++)
        {
            foreach (Debt d in _debts[cpu])
            {
                if (d.Pfn == pfn)
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

    /// <summary>A leaf debt of asid overlapping [start, end) on some CPU (for post-conditions).</summary>
    public bool FindLeafDebt(int asid, ulong start, ulong end, out int cpu, out ulong va)
    {
        for (cpu = 0; cpu < _debts.Length; cpu++)
        {
            foreach (Debt d in _debts[cpu])
            {
                if (!d.Table && d.Asid == asid && d.Start < end && d.End > start)
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

    public override void LeafCleared(int asid, ulong va, int level, int pfn) =>
        AddDebts(asid, va, va + _geometry.EntrySpan(level), pfn, table: false);

    public override void TableUnhooked(int asid, ulong va, int level, int pfn)
    {
        ulong span = _geometry.TableSpan(level);
        ulong start = va & ~(span - 1);
        AddDebts(asid, start, start + span, pfn, table: true);
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) =>
        DropDebts(cpu, asid, start, end, leaves: true, tables: walkCaches);

    private void AddDebts(int asid, ulong start, ulong end, int pfn, bool table)
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

            _debts[cpu].Add(new Debt(asid, start, end, pfn, table));
            _owedByFrame.At(pfn)++;
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
                _owedByFrame.At(d.Pfn)--;
            }
            else
            {
                list[kept++] = d;
            }
        }

        list.RemoveRange(kept, list.Count - kept);
    }

    private readonly record struct Debt(int Asid, ulong Start, ulong End, int Pfn, bool Table);
}
