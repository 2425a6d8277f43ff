using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// Stale permission: once mprotect has returned, no CPU may use a TLB entry that grants more
/// than the page table now does. mprotect(PROT_READ) promises that every later store faults,
/// on every CPU; a store that still goes through a writable entry cached from before breaks
/// the promise (a JIT's W^X, a garbage collector's write barrier, a guard page):
/// <code>
/// CPU0 mprotect(r): PTE rw -> r; no flush (the bug)   CPU1: writable entry still cached
/// CPU0 returns to user space
///                                                     CPU1 stores: reaches the page
/// </code>
/// Each right an mprotect takes away (<see cref="Observer.LeafProtected"/>, raised while the
/// call is in flight) leaves every CPU owing an invalidation of that page; the debt is paid
/// when the CPU invalidates the page, loses the entry, or refills it from the page table.
/// After the call returns, a user access on a CPU that still owes is judged against the
/// page table as it is now (read from that CPU's loaded root): a store through an entry the
/// table no longer makes writable, or any access to an entry the table no longer makes
/// valid, is reported. Before the return the stale entry is allowed: the flush is batched
/// until tlb_finish_mmu. munmap's version of the promise is the post-condition checker's.
///
/// <para>On the architectures whose TLBs are filled from a translation cache (powerpc
/// hash, sparc64), a refill may come from a stale cache entry, so only an invalidation
/// pays.</para>
/// </summary>
public sealed class StalePermissionChecker(SimMachine machine, Diagnostics diag) : Checker(diag)
{
    private readonly Dictionary<int, long> _mprotectInFlight = [];
    private readonly List<Debt> _debts = [];
    private bool _fillsFromCache;

    public override string Name => "stale-permission";

    public override string ExaminedWhat => "user accesses";

    public override void TranslationCacheAttached() => _fillsFromCache = true;

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
    {
        if (operation == "mprotect")
        {
            _mprotectInFlight[asid] = id;
        }
    }

    public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end)
    {
        if (operation != "mprotect")
        {
            return;
        }

        _mprotectInFlight.Remove(asid);
        for (int i = 0; i < _debts.Count; i++)
        {
            if (_debts[i].Operation == id)
            {
                _debts[i] = _debts[i] with { Returned = true };
            }
        }
    }

    public override void LeafProtected(int asid, ulong va, int level, int pfn)
    {
        if (!_mprotectInFlight.TryGetValue(asid, out long op))
        {
            return;
        }

        ulong end = va + machine.Geometry.EntrySpan(level);
        for (int cpu = 0; cpu < machine.Cpus.Count; cpu++)
        {
            _debts.Add(new Debt(cpu, asid, va, end, op, Returned: false));
        }
    }

    public override void TlbInvalidated(int cpu, int asid, ulong start, ulong end, bool walkCaches) => Pay(cpu, asid, start, end);

    public override void TlbDropped(int cpu, int asid, ulong va, int pageShift, int pfn) => Pay(cpu, asid, va, va + (1UL << pageShift));

    public override void TlbFilled(int cpu, int asid, ulong va, int pageShift, int pfn, uint generation)
    {
        if (!_fillsFromCache)
        {
            Pay(cpu, asid, va, va + (1UL << pageShift)); // refilled from the page table as it is now
        }
    }

    public override void AsidRetired(int asid) => _debts.RemoveAll(d => d.Asid == asid);

    public override void UserAccess(int cpu, int asid, ulong va, int pfn, uint generation, bool write)
    {
        Examine();
        if (_debts.Count == 0 || !_debts.Exists(d => d.Returned && d.Cpu == cpu && d.Asid == asid && d.Start <= va && va < d.End))
        {
            return;
        }

        ulong leaf = CurrentLeaf(machine.Cpus[cpu].LoadedRoot, va);
        bool valid = (leaf & PteBits.Present) != 0;
        if (!valid || (write && (leaf & PteBits.Write) == 0))
        {
            string now = valid ? "read-only" : "not accessible";
            Report($"CPU{cpu} {(write ? "stored to" : "loaded from")} 0x{va:x} (mm{asid}) through a stale TLB entry after mprotect returned: the page table makes it {now}");
        }
    }

    /// <summary>Drops the debts of <paramref name="cpu"/> for asid (any, if negative) overlapping [start, end).</summary>
    private void Pay(int cpu, int asid, ulong start, ulong end)
    {
        if (_debts.Count > 0)
        {
            _debts.RemoveAll(d => d.Cpu == cpu && (asid < 0 || d.Asid == asid) && d.Start < end && d.End > start);
        }
    }

    /// <summary>The leaf entry for va under the root table <paramref name="root"/> (0 if none), read as the hardware walker would.</summary>
    private ulong CurrentLeaf(int root, ulong va)
    {
        Geometry g = machine.Geometry;
        int table = root;
        for (int level = g.Levels - 1; ; level--)
        {
            ulong e = machine.Memory.TableEntries(table)[g.Index(va, level)];
            bool leaf = level == 0 || (level == 1 && (e & PteBits.Huge) != 0);
            if ((e & PteBits.Present) == 0 || leaf)
            {
                return e;
            }

            table = PteBits.Pfn(e);
        }
    }

    /// <summary><see cref="Cpu"/> may still hold rights to [Start, End) of Asid that <see cref="Operation"/> took away.</summary>
    private readonly record struct Debt(int Cpu, int Asid, ulong Start, ulong End, long Operation, bool Returned);
}
