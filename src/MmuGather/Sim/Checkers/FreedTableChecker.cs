using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Freed-table access: the hardware walker, a walk-cache entry or gup_fast read a frame
/// that is no longer the page-table page it was when the pointer to it was taken.
/// </summary>
public sealed class FreedTableChecker(PhysicalMemory memory, Diagnostics diag) : Checker(diag)
{
    public override string Name => "freed-table";

    public override string ExaminedWhat => "table reads";

    public override void TableRead(int cpu, int pfn, uint generation, TableReader reader)
    {
        Examine();
        FrameKind kind = memory.Kind(pfn);
        if (kind != FrameKind.PageTable || memory.Generation(pfn) != generation)
        {
            Report($"{reader} on CPU{cpu} read page-table pfn 0x{pfn:x}, which was freed (now {kind})");
        }
    }
}
