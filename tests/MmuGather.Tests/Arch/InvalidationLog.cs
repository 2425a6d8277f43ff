using MmuGather.Machine;

namespace MmuGather.Tests.Arch;

/// <summary>
/// Records every TLB invalidation and retired ASID a run publishes, so that tests can tell
/// which CPUs an architecture's flush reached and whether it took the walk caches along.
/// Invariant: the log holds the events in the order they were raised.
/// </summary>
internal sealed class InvalidationLog : Observer
{
    public List<(int Cpu, int Asid, ulong Start, ulong End, bool WalkCaches)> Invalidations { get; } = [];

    public List<int> RetiredAsids { get; } = [];

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) =>
        Invalidations.Add((cpu, asid, start, end, walkCaches));

    public override void AsidRetired(int asid) => RetiredAsids.Add(asid);
}
