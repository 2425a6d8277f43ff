using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Pinned COW: a page that gup_fast returned pinned (FOLL_PIN: a DMA may write it, the
/// caller reads the result through its own mapping) became mapped by another mm, or was
/// shared already when the pin was handed out. Once fork shares it, the parent's next write
/// copies the page away from the pin: the device's data lands in the child's page, and the
/// parent never sees it (the gup-vs-fork race of 57efa1fe5957, CVE-2020-29374's family):
/// <code>
/// CPU0 fork                                CPU1 gup_fast (FOLL_PIN, write)
/// copy_present_pte: P not pinned
///                                          reads P's PTE (writable), pins P, PTE unchanged
///                                          returns P pinned
/// ptep_set_wrprotect(P); child maps P      -> the pin stands on a page the child shares
/// </code>
/// Only anonymous pages count (a shared file page is meant to be mapped by many).
/// </summary>
public sealed class PinnedCowChecker(PhysicalMemory memory, Diagnostics diag) : Checker(diag)
{
    private readonly Dictionary<int, (int Asid, int Pins)> _pinned = [];

    public override string Name => "pinned-cow";

    public override string ExaminedWhat => "pins handed out and leaf mappings made while pinned";

    public override void PagesPinned(int asid, IReadOnlyList<int> pfns)
    {
        foreach (int pfn in pfns)
        {
            Examine();
            int pins = _pinned.TryGetValue(pfn, out var held) ? held.Pins : 0;
            _pinned[pfn] = (asid, pins + 1);
            if (memory.IsAnon(pfn) && memory.MapCount(pfn) > 1)
            {
                Report($"gup_fast of mm{asid} returned anonymous pfn 0x{pfn:x} pinned while it is mapped {memory.MapCount(pfn)} times (shared copy-on-write)");
            }
        }
    }

    public override void PagesUnpinned(int asid, IReadOnlyList<int> pfns)
    {
        foreach (int pfn in pfns)
        {
            var (owner, pins) = _pinned[pfn];
            if (pins == 1)
            {
                _pinned.Remove(pfn);
            }
            else
            {
                _pinned[pfn] = (owner, pins - 1);
            }
        }
    }

    public override void LeafInstalled(int asid, ulong va, int level, int pfn)
    {
        if (_pinned.Count == 0 || !_pinned.TryGetValue(pfn, out var held) || held.Asid == asid)
        {
            return;
        }

        Examine();
        if (memory.IsAnon(pfn))
        {
            Report($"mm{asid} mapped anonymous pfn 0x{pfn:x} at 0x{va:x} while gup_fast of mm{held.Asid} holds it pinned: the page is shared copy-on-write under the pin, and the pinning process's next write copies it away");
        }
    }
}
