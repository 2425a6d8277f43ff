using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Stale translation: a user load or store went through a TLB entry whose frame has been
/// freed (and perhaps reused) since the entry was filled: the leak or corruption the
/// unhook-invalidate-free rule exists to prevent.
/// </summary>
public sealed class StaleTlbChecker(PhysicalMemory memory, Diagnostics diag) : Checker(diag)
{
    public override string Name => "stale-tlb";

    public override string ExaminedWhat => "user accesses";

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        Examine();
        if (memory.Generation(pfn) != generation)
        {
            Report($"CPU{cpu} {(write ? "stored to" : "loaded from")} 0x{va:x} (mm{asid}) through a TLB entry for pfn 0x{pfn:x}, which was freed after the entry was filled (now {memory.Kind(pfn)})");
        }
    }
}
