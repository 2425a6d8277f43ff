using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Leaks: after every process has exited, page caches are dropped and RCU callbacks have
/// run, every frame the run allocated (user pages, tables, batch pages) must be free again.
/// Called once by the simulation at the very end.
/// </summary>
public sealed class LeakChecker(PhysicalMemory memory, Diagnostics diag) : Checker(diag)
{
    public override string Name => "leak";

    public override string ExaminedWhat => "teardowns";

    public void CheckAllFree()
    {
        Examine();
        if (memory.FreeFrames + memory.ReservedFrames == memory.FrameCount)
        {
            return; // every frame is accounted for; only a mismatch needs the full scan
        }

        var leaked = new SortedDictionary<FrameKind, (int Count, int First)>();
        for (int pfn = 1; pfn < memory.FrameCount; pfn++)
        {
            FrameKind kind = memory.Kind(pfn);
            if (kind is FrameKind.Free or FrameKind.Reserved)
            {
                continue;
            }

            leaked[kind] = leaked.TryGetValue(kind, out var v) ? (v.Count + 1, v.First) : (1, pfn);
        }

        foreach (var (kind, (count, first)) in leaked)
        {
            Report($"{count} {kind} frame(s) still allocated after teardown (first: pfn 0x{first:x})");
        }
    }
}
