using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Lost write: a store reached a page-cache page through a translation that had already been
/// unhooked (the CPU still owed its invalidation), at a moment when the page was clean after
/// writeback. Nothing will write that data back: the kernel believes the page clean and no
/// longer mapped there. This is the race the delayed rmap of dirty shared pages closes
/// (Linux 5df397dec7c4, earlier 1cf35d47712d):
/// <code>
/// CPU0 zap: clear dirty PTE, page dirty   CPU1: stale writable TLB entry
///      rmap removed at once (the bug)
/// CPU2 writeback: page not mapped, so no
///      mkclean; clear dirty, write page
///                                         CPU1 stores through the stale entry
/// CPU0 flush (too late)                   -> the store is in a clean page: lost
/// </code>
/// Only pages that writeback has cleaned are watched, so anonymous memory (discarded on
/// unmap anyway) never counts.
/// </summary>
public sealed class LostWriteChecker(PhysicalMemory memory, TranslationShadow shadow, Diagnostics diag) : Checker(diag)
{
    private readonly FrameMap<bool> _writtenBack = new(memory.FrameCount);

    public override string Name => "lost-write";

    public override string ExaminedWhat => "user stores";

    public override void PageCleaned(int pfn) => _writtenBack.At(pfn) = true;

    public override void FrameFreeing(int pfn, FrameKind kind, int order) => _writtenBack.At(pfn) = false;

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        if (!write)
        {
            return;
        }

        Examine();
        if (_writtenBack.Get(pfn) && !memory.IsDirty(pfn) && memory.Generation(pfn) == generation && shadow.CpuOwes(cpu, pfn))
        {
            Report($"CPU{cpu} stored to 0x{va:x} (mm{asid}) through an unhooked translation of pfn 0x{pfn:x} after writeback cleaned it: the data is never written back");
        }
    }
}
