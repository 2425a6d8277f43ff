namespace MmuGather.Machine;

/// <summary>
/// The MMU's side of a user access: TLB lookup, and on a miss a walk of the page tables from
/// the loaded root, helped by the walk cache, that sets the accessed (and dirty) bit in the
/// leaf entry and fills the TLB. It reads page-table frames without any lock, as hardware
/// does; every table it reads is reported, which is how a walk into a freed table is caught.
/// </summary>
public sealed class HardwareWalker
{
    private readonly SimMachine _machine;

    internal HardwareWalker(SimMachine machine) => _machine = machine;

    /// <summary>Performs one user load or store at va on the current CPU.</summary>
    public AccessResult Access(ulong va, bool write)
    {
        Cpu cpu = _machine.Current;
        int asid = cpu.LoadedAsid;
        _machine.Diag.Assert(asid >= 0, "user access at 0x{0:x} on CPU{1} with no address space loaded", va, cpu.Id);
        if (cpu.Tlb.Lookup(asid, va, out TlbEntry hit, out int shift))
        {
            if (write && !hit.Writable)
            {
                // A fault drops the faulting translation (x86: the processor invalidates the
                // TLB entries for the faulting address; Linux's flush_tlb_fix_spurious_fault
                // does it by hand where hardware does not). Without this, a write to a shared
                // file page first mapped by a read (read-only, for dirty tracking) would fault
                // on the stale read-only entry forever once wp_page_shared made the PTE
                // writable in place, with no flush: found by the differential fuzzer, where
                // the model said SIGSEGV and the kernel let the store through.
                cpu.Tlb.InvalidatePage(asid, va);
                return AccessResult.Protection;
            }

            // A store through a clean entry makes the hardware walk again to set the dirty
            // bit; a load, or a store through a dirty entry, completes from the TLB alone.
            if (!write || hit.Dirty)
            {
                cpu.Clock += _machine.Costs.TlbHit;
                _machine.Observer.UserAccess(cpu.Id, asid, va, hit.Pfn, hit.Generation, write);
                return AccessResult.Ok;
            }
        }

        return _machine.TlbRefill is { } refill ? refill.Refill(cpu, asid, va, write) : Walk(cpu, asid, va, write);
    }

    /// <summary>
    /// Completes an access from a translation found by a refill source (<see cref="ITlbRefill"/>):
    /// fills the TLB and reports the access. <paramref name="generation"/> is the frame's
    /// generation when the source recorded the translation, so a stale source entry is caught.
    /// </summary>
    public AccessResult FillTlb(Cpu cpu, int asid, ulong va, int pfn, uint generation, int pageShift, bool writable, bool dirty, bool write)
    {
        if (write && !writable)
        {
            return AccessResult.Protection;
        }

        cpu.Tlb.Fill(asid, va, pageShift, pfn, generation, writable, dirty || write);
        _machine.Observer.UserAccess(cpu.Id, asid, va, pfn, generation, write);
        return AccessResult.Ok;
    }

    private AccessResult Walk(Cpu cpu, int asid, ulong va, bool write)
    {
        cpu.Clock += _machine.Costs.TlbMiss;
        Geometry g = _machine.Geometry;
        PhysicalMemory mem = _machine.Memory;
        int level = g.Levels - 1;
        int table = cpu.LoadedRoot;
        uint generation = mem.Generation(table);
        TableReader reader = TableReader.HardwareWalker;
        if (cpu.WalkCache.Lookup(asid, va, out int cachedLevel, out int cachedPfn, out uint cachedGen))
        {
            level = cachedLevel;
            table = cachedPfn;
            generation = cachedGen;
            reader = TableReader.WalkCache;
        }

        while (true)
        {
            _machine.Observer.TableRead(cpu.Id, table, generation, reader);
            reader = TableReader.HardwareWalker;
            ulong[] entries = mem.TableEntries(table);
            int index = g.Index(va, level);
            ulong entry = entries[index];
            if ((entry & PteBits.Present) == 0)
            {
                return AccessResult.NotPresent;
            }

            bool leaf = level == 0 || (level == 1 && (entry & PteBits.Huge) != 0);
            if (leaf)
            {
                return FillFromLeaf(cpu, asid, va, write, entries, index, level);
            }

            int child = PteBits.Pfn(entry);
            generation = mem.Generation(child);
            level--;
            cpu.WalkCache.Fill(asid, va, level, child, generation);
            table = child;
        }
    }

    private AccessResult FillFromLeaf(Cpu cpu, int asid, ulong va, bool write, ulong[] entries, int index, int level)
    {
        ulong entry = entries[index];
        bool writable = (entry & PteBits.Write) != 0;
        if (write && !writable)
        {
            return AccessResult.Protection;
        }

        // The hardware sets A (and D on a store) in the entry itself, atomically.
        entry |= PteBits.Accessed | (write ? PteBits.Dirty : 0);
        entries[index] = entry;
        int pfn = PteBits.Pfn(entry);
        uint generation = _machine.Memory.Generation(pfn);
        int shift = _machine.Geometry.EntryShift(level);
        cpu.Tlb.Fill(asid, va, shift, pfn, generation, writable, (entry & PteBits.Dirty) != 0);
        _machine.Observer.UserAccess(cpu.Id, asid, va, pfn, generation, write);
        return AccessResult.Ok;
    }
}
