using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Copy-on-write stale write: a user store reached an anonymous page that is mapped more than
/// once (fork shared it between parent and child: every mapping of it must be read-only, and
/// the first write to it copies), through a current translation, while no fork of the storing
/// mm was in progress. The child sees data the parent wrote after the fork returned (or the
/// other way round). The race it catches:
/// <code>
/// CPU0 fork: copy_present_pte              CPU1 (parent's sibling): TLB holds page P writable
///   ptep_set_wrprotect(parent P)
///   child maps P read-only (map count 2)
/// [flush_tlb_mm(oldmm) missing]
/// fork returns; the child runs
///                                          CPU1 stores to P through the stale entry
///                                          -> the child's private copy changes under it
/// </code>
/// A store while the fork is still running is allowed: Linux flushes only at the end of
/// dup_mmap, and a sibling's store during the copy is one the child may or may not see.
/// Only anonymous pages count: a shared file page is meant to be written by both.
/// </summary>
public sealed class CowStaleWriteChecker(PhysicalMemory memory, Diagnostics diag) : Checker(diag)
{
    private readonly Dictionary<int, int> _forksInFlight = [];

    public override string Name => "cow-stale-write";

    public override string ExaminedWhat => "user stores";

    /// <summary>Stores to a page fork shares that came while the storing mm's fork was still running (allowed, counted for tests).</summary>
    public long StoresDuringFork { get; private set; }

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
    {
        if (operation == "fork")
        {
            _forksInFlight[asid] = _forksInFlight.GetValueOrDefault(asid) + 1;
        }
    }

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        if (operation == "fork" && --_forksInFlight[asid] == 0)
        {
            _forksInFlight.Remove(asid);
        }
    }

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        if (!write)
        {
            return;
        }

        Examine();
        int maps = memory.MapCount(pfn);
        if (maps <= 1 || !memory.IsAnon(pfn) || memory.Generation(pfn) != generation)
        {
            return;
        }

        if (_forksInFlight.ContainsKey(asid))
        {
            StoresDuringFork++;
        }
        else
        {
            Report($"CPU{cpu} stored to 0x{va:x} (mm{asid}) through a writable translation of anonymous pfn 0x{pfn:x}, which fork shares copy-on-write ({maps} mappings) and no fork of mm{asid} is in progress: the other process sees the store");
        }
    }
}
