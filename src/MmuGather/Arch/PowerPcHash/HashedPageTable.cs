using MmuGather.Arch.Common;
using MmuGather.Machine;
using MmuGather.Mm;

namespace MmuGather.Arch.PowerPcHash;

/// <summary>
/// powerpc's hashed page table (HPT): one table for the whole machine, which the MMU searches
/// after every TLB miss instead of walking the Linux page tables
/// (arch/powerpc/mm/book3s64/hash_utils.c, hash_native.c). A virtual page of an address space
/// (its VSID and page number) hashes to a primary group of <see cref="HptesPerGroup"/> slots,
/// and its complement to a secondary group; an HPTE may sit in any slot of either.
///
/// <para><b>Invariant:</b> every valid slot holds a copy of a Linux PTE that was present when
/// hash_page put it there, and the kernel is told of every slot that starts or stops holding
/// a translation (<see cref="Observer.CachedTranslationInserted"/>, <see cref="Observer.CachedTranslationRemoved"/>),
/// since every CPU running the address space may load any of them. Nothing here keeps two
/// HPTEs of one page apart: that is the kernel's job (the checker hash-after-unlock watches it).</para>
///
/// <para>The table is bounded: when both groups of a page are full, a victim is pushed out
/// (hpte_remove, without tlbie: the Linux PTE still maps the page and keeps the slot number,
/// so the flush of a later change still tlbies it). Groups are allocated on first use, so a
/// large machine's table costs only what is hashed.</para>
/// </summary>
public sealed class HashedPageTable : ITlbRefill
{
    /// <summary>HPTES_PER_GROUP: slots of one group (a 128-byte PTEG).</summary>
    public const int HptesPerGroup = 8;

    /// <summary>The smallest table the architecture allows: 2^11 groups (256 KiB).</summary>
    public const int MinGroupsShift = 11;

    /// <summary>Segments are 256 MiB (the model uses no 1 TiB segments).</summary>
    private const int SegmentShift = 28;

    /// <summary>VSID_MULTIPLIER_256M: the prime that scatters proto-VSIDs (context, ESID) over VSIDs.</summary>
    private const ulong VsidMultiplier = 12538073;

    /// <summary>VSIDs are taken modulo 2^37 - 1 (VSID_BITS_256M on a 65-bit virtual address machine).</summary>
    private const int VsidBits = 37;

    private readonly SimMachine _machine;
    private readonly KernelCounters _counters;
    private readonly Dictionary<int, CachedTranslation?[]> _groups = [];
    private readonly int _groupMask;
    private long _timebase;

    public HashedPageTable(SimMachine machine, KernelCounters counters, int groupsShift)
    {
        if (groupsShift is < 1 or > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(groupsShift), groupsShift, "the table needs 2^1 to 2^30 groups");
        }

        _machine = machine;
        _counters = counters;
        _groupMask = (1 << groupsShift) - 1;
    }

    /// <summary>Valid HPTEs (for tests and reports).</summary>
    public int Count => _groups.Values.Sum(g => g.Count(s => s.HasValue));

    /// <summary>
    /// htab_shift_for_mem_size: one group for every two pages of memory, rounded up to a power
    /// of two, and never fewer than 2^<see cref="MinGroupsShift"/>.
    /// </summary>
    public static int GroupsShiftFor(ulong memoryBytes, int pageShift)
    {
        int memShift = 64 - System.Numerics.BitOperations.LeadingZeroCount(Math.Max(memoryBytes, 2) - 1);
        return Math.Max(memShift - pageShift - 1, MinGroupsShift);
    }

    /// <summary>The MMU after a TLB miss: search both groups; a hit fills the TLB, a miss faults to hash_page.</summary>
    public AccessResult Refill(Cpu cpu, int asid, ulong va, bool write)
    {
        cpu.Clock += _machine.Costs.TlbMiss;
        int slot = Find(asid, va);
        if (slot < 0)
        {
            return AccessResult.NotPresent;
        }

        CachedTranslation t = At(slot);
        return _machine.Walker.FillTlb(cpu, asid, va, t.Pfn, t.Generation, _machine.Geometry.PageShift, t.Writable, t.Dirty, write);
    }

    /// <summary>The slot of a valid HPTE for the page at va of asid (primary group first), or -1.</summary>
    public int Find(int asid, ulong va)
    {
        ulong page = va & _machine.Geometry.PageMask;
        ulong hash = Hash(asid, page);
        int slot = FindIn(PrimaryGroup(hash), asid, page);
        return slot >= 0 ? slot : FindIn(SecondaryGroup(hash), asid, page);
    }

    /// <summary>Does <paramref name="slot"/> still hold an HPTE of this page (HPTE_V_COMPARE)? It may have been evicted and reused.</summary>
    public bool Holds(int slot, int asid, ulong va) =>
        SlotValue(slot) is { } t && t.Asid == asid && t.Va == (va & _machine.Geometry.PageMask);

    /// <summary>The HPTE in a valid slot.</summary>
    public CachedTranslation At(int slot) => SlotValue(slot) ?? throw new InvalidOperationException($"HPT slot {slot} is empty");

    /// <summary>
    /// hpte_insert_repeating: the first free slot of the primary group, else of the secondary;
    /// with both full, a victim in one of them (chosen from the timebase) is pushed out first.
    /// Returns the slot.
    /// </summary>
    public int Insert(CachedTranslation t)
    {
        ulong hash = Hash(t.Asid, t.Va);
        int slot = FreeSlotIn(PrimaryGroup(hash));
        if (slot < 0)
        {
            slot = FreeSlotIn(SecondaryGroup(hash));
        }

        if (slot < 0)
        {
            slot = Evict(hash);
        }

        Group(slot / HptesPerGroup)[slot % HptesPerGroup] = t;
        _counters.Add(Counter.HpteInserts);
        _machine.Observer.CachedTranslationInserted(t.Asid, t.Va, t.Pfn, t.Writable);
        return slot;
    }

    /// <summary>hpte_updatepp: new rights for the HPTE in a valid slot (the caller tlbies the page).</summary>
    public void Replace(int slot, CachedTranslation t)
    {
        Invalidate(slot);
        Group(slot / HptesPerGroup)[slot % HptesPerGroup] = t;
        _machine.Observer.CachedTranslationInserted(t.Asid, t.Va, t.Pfn, t.Writable);
    }

    /// <summary>Clears a valid slot (the V bit). Copies in TLBs are the caller's to invalidate.</summary>
    public void Invalidate(int slot)
    {
        CachedTranslation t = At(slot);
        Group(slot / HptesPerGroup)[slot % HptesPerGroup] = null;
        _machine.Observer.CachedTranslationRemoved(t.Asid, t.Va, t.Pfn);
    }

    /// <summary>
    /// The hash of a virtual page: the VSID of its segment (the proto-VSID, context and ESID,
    /// scattered by a multiplicative hash modulo 2^37 - 1) XOR the page's number within the
    /// segment, as hpt_hash computes it for 256 MiB segments.
    /// </summary>
    private ulong Hash(int asid, ulong page)
    {
        int pageShift = _machine.Geometry.PageShift;
        ulong protoVsid = ((ulong)asid << 24) | (page >> SegmentShift);
        ulong modulus = (1UL << VsidBits) - 1;
        ulong vsid = (ulong)((UInt128)protoVsid * VsidMultiplier % modulus);
        return vsid ^ ((page >> pageShift) & ((1UL << (SegmentShift - pageShift)) - 1));
    }

    private int PrimaryGroup(ulong hash) => (int)(hash & (ulong)_groupMask);

    private int SecondaryGroup(ulong hash) => (int)(~hash & (ulong)_groupMask);

    private int FindIn(int group, int asid, ulong page)
    {
        if (!_groups.TryGetValue(group, out CachedTranslation?[]? slots))
        {
            return -1;
        }

        for (int i = 0; i < HptesPerGroup; i++)
        {
            if (slots[i] is { } t && t.Asid == asid && t.Va == page)
            {
                return (group * HptesPerGroup) + i;
            }
        }

        return -1;
    }

    private int FreeSlotIn(int group)
    {
        CachedTranslation?[] slots = Group(group);
        for (int i = 0; i < HptesPerGroup; i++)
        {
            if (!slots[i].HasValue)
            {
                return (group * HptesPerGroup) + i;
            }
        }

        return -1;
    }

    /// <summary>
    /// hpte_remove: one of the two groups (a timebase bit picks which), from a slot the
    /// timebase picks. No tlbie: the translation is still valid, only no longer hashed.
    /// </summary>
    private int Evict(ulong hash)
    {
        long tick = _timebase++;
        int group = (tick & 1) == 0 ? PrimaryGroup(hash) : SecondaryGroup(hash);
        int slot = (group * HptesPerGroup) + (int)((tick >> 1) & (HptesPerGroup - 1));
        Invalidate(slot);
        _counters.Add(Counter.HpteEvictions);
        return slot;
    }

    private CachedTranslation? SlotValue(int slot) =>
        _groups.TryGetValue(slot / HptesPerGroup, out CachedTranslation?[]? slots) ? slots[slot % HptesPerGroup] : null;

    private CachedTranslation?[] Group(int group)
    {
        if (!_groups.TryGetValue(group, out CachedTranslation?[]? slots))
        {
            slots = new CachedTranslation?[HptesPerGroup];
            _groups[group] = slots;
        }

        return slots;
    }
}
