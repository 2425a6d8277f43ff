using MmuGather.Machine;

namespace MmuGather.Tests.Arch;

/// <summary>
/// Records, in order, what a back-end with a translation cache (powerpc hash, sparc64) does to
/// the cache and to the TLBs, and how many cache entries of each address space are live when a
/// PTE lock is released, so that tests can check the order of a drain.
/// </summary>
internal sealed class CacheEventLog : Observer
{
    private readonly Dictionary<int, int> _live = [];

    /// <summary>("removed", cpu -1, page) and ("invalidated", cpu, start) in the order they happened.</summary>
    public List<(string What, int Cpu, ulong Va, ulong End)> Events { get; } = [];

    /// <summary>Live cache entries of the mm at each PTE lock release, in order.</summary>
    public List<int> LiveAtPteUnlock { get; } = [];

    public override void CachedTranslationInserted(int asid, ulong va, int pfn, bool writable) =>
        _live[asid] = _live.GetValueOrDefault(asid) + 1;

    public override void CachedTranslationRemoved(int asid, ulong va, int pfn)
    {
        _live[asid]--;
        Events.Add(("removed", -1, va, va + 4096));
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) =>
        Events.Add(("invalidated", cpu, start, end));

    public override void PteLockReleased(int asid, ulong va, int tablePfn) =>
        LiveAtPteUnlock.Add(_live.GetValueOrDefault(asid));
}
