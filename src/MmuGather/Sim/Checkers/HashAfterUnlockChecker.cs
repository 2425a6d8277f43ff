using MmuGather.Machine;

namespace MmuGather.Sim.Checkers;

/// <summary>
/// No translation-cache entry outlives its PTE past the PTE lock: when the lock of a PTE table
/// is released, every entry of powerpc's hashed page table (or sparc64's TSB) for a page of
/// that table must still match its PTE: present, same frame, and no store allowed that the
/// PTE forbids. Otherwise a fault that takes the lock next finds the PTE gone, maps a new
/// page and hashes a second HPTE for it while the stale one still maps the old frame: the
/// MMU may use either (the race Benjamin Herrenschmidt's 2007 hook before PTE pages are
/// unlocked closed). A second entry for one page is reported when it is inserted.
///
/// <para>Watches <see cref="Observer.CachedTranslationInserted"/> and
/// <see cref="Observer.CachedTranslationRemoved"/> to know the cache, and
/// <see cref="Observer.PteLockReleased"/> (raised by zap_pte_range) to compare it with the
/// table, whose entries it reads. An address space being torn down by exit is exempt:
/// nobody is left to fault on it, and sparc64 leaves its TSB to die with the context.</para>
/// </summary>
public sealed class HashAfterUnlockChecker(PhysicalMemory memory, Geometry geometry, Diagnostics diag) : Checker(diag)
{
    private readonly Dictionary<(int Asid, ulong TableVa), List<Entry>> _byTable = [];
    private readonly HashSet<int> _exiting = [];

    public override string Name => "hash-after-unlock";

    public override string ExaminedWhat => "translation-cache inserts and PTE unlocks";

    public override void CachedTranslationInserted(int asid, ulong va, int pfn, bool writable)
    {
        Examine();
        List<Entry> entries = EntriesOf(asid, va);
        foreach (Entry e in entries)
        {
            if (e.Va == va && !_exiting.Contains(asid))
            {
                Report($"a second translation-cache entry for 0x{va:x} (mm{asid}): pfn 0x{pfn:x} next to pfn 0x{e.Pfn:x}, the MMU may use either");
            }
        }

        entries.Add(new Entry(va, pfn, writable));
    }

    public override void CachedTranslationRemoved(int asid, ulong va, int pfn)
    {
        if (_byTable.TryGetValue(Key(asid, va), out List<Entry>? entries))
        {
            int i = entries.FindIndex(e => e.Va == va && e.Pfn == pfn);
            if (i >= 0)
            {
                entries.RemoveAt(i);
            }
        }
    }

    public override void PteLockReleased(int asid, ulong va, int tablePfn)
    {
        if (_byTable.Count == 0 || _exiting.Contains(asid) || !_byTable.TryGetValue(Key(asid, va), out List<Entry>? entries))
        {
            return;
        }

        Examine();

        ulong[] ptes = memory.TableEntries(tablePfn);
        int stale = 0;
        string first = string.Empty;
        foreach (Entry e in entries)
        {
            string? why = Stale(e, ptes[geometry.Index(e.Va, 0)]);
            if (why is not null && stale++ == 0)
            {
                first = $"0x{e.Va:x} to pfn 0x{e.Pfn:x}, but {why}";
            }
        }

        if (stale > 0)
        {
            Report($"the PTE lock of table pfn 0x{tablePfn:x} (mm{asid}) was released while {stale} translation-cache entries of its pages no longer match their PTE; the first maps {first}");
        }
    }

    public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
    {
        if (operation == "exit")
        {
            _exiting.Add(asid);
        }
    }

    /// <summary>Why an entry no longer matches its PTE, or null if it does.</summary>
    private static string? Stale(Entry e, ulong pte)
    {
        if ((pte & PteBits.Present) == 0)
        {
            return "the PTE is none";
        }

        if (PteBits.Pfn(pte) != e.Pfn)
        {
            return $"the PTE maps pfn 0x{PteBits.Pfn(pte):x} now";
        }

        return e.Writable && (pte & PteBits.Write) == 0 ? "the PTE is read-only now" : null;
    }

    private (int Asid, ulong TableVa) Key(int asid, ulong va) => (asid, va & ~(geometry.EntrySpan(1) - 1));

    private List<Entry> EntriesOf(int asid, ulong va)
    {
        var key = Key(asid, va);
        if (!_byTable.TryGetValue(key, out List<Entry>? entries))
        {
            entries = [];
            _byTable[key] = entries;
        }

        return entries;
    }

    /// <summary>One cached translation of a page of the table.</summary>
    private readonly record struct Entry(ulong Va, int Pfn, bool Writable);
}
