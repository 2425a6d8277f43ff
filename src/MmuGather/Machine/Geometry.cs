namespace MmuGather.Machine;

/// <summary>
/// Paging geometry as data: page shift, number of levels and index bits per level.
/// Level 0 is the leaf (PTE) table; level <c>Levels-1</c> is the root (PGD).
/// Everything that depends on the page size (batch capacities, masks, table sizes) is
/// derived from here, never written as a literal elsewhere.
///
/// <para>Levels may differ in width (<see cref="Bits"/>): s390's page tables have 256
/// entries and its region and segment tables 2048. A huge page is always what one level-1
/// entry maps (PMD_SIZE: 2 MiB on x86-64, 1 MiB on s390).</para>
/// </summary>
public sealed class Geometry
{
    public const int EntryBytes = 8;

    // Added for s390 (per-level widths): the index bits of each level, and the shift of the
    // span one entry of each level maps, EntryShift(0) = PageShift up to EntryShift(Levels).
    private readonly int[] _bits;
    private readonly int[] _entryShifts;

    /// <summary>A geometry whose levels all have <paramref name="bitsPerLevel"/> index bits.</summary>
    public Geometry(int pageShift, int levels, int bitsPerLevel)
        : this(pageShift, Uniform(levels, bitsPerLevel))
    {
    }

    /// <summary>
    /// A geometry with one width per level, <paramref name="bitsByLevel"/>[0] being the PTE
    /// table's (added for s390, whose PTE tables are narrower than its upper tables).
    /// </summary>
    public Geometry(int pageShift, IReadOnlyList<int> bitsByLevel)
    {
        ArgumentNullException.ThrowIfNull(bitsByLevel);
        if (pageShift is < 10 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(pageShift), pageShift, "page shift must be 10..16");
        }

        if (bitsByLevel.Count is < 2 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(bitsByLevel), bitsByLevel.Count, "levels must be 2..5");
        }

        if (bitsByLevel.Any(b => b is < 1 or > 16) || pageShift + bitsByLevel.Sum() > 63)
        {
            throw new ArgumentOutOfRangeException(nameof(bitsByLevel), "each level must have 1..16 index bits, and all of them with the page shift fewer than 64");
        }

        PageShift = pageShift;
        Levels = bitsByLevel.Count;
        _bits = [.. bitsByLevel];
        _entryShifts = new int[Levels + 1];
        _entryShifts[0] = pageShift;
        for (int level = 0; level < Levels; level++)
        {
            _entryShifts[level + 1] = _entryShifts[level] + _bits[level];
        }
    }

    /// <summary>x86-64 with 4-level paging: 4 KiB pages, 512-entry tables, 48-bit addresses.</summary>
    public static Geometry X86_64 { get; } = new(12, 4, 9);

    public int PageShift { get; }

    public int Levels { get; }

    /// <summary>Index bits of the PTE level (all levels' for a uniform geometry; see <see cref="Bits"/>).</summary>
    public int BitsPerLevel => _bits[0];

    public ulong PageSize => 1UL << PageShift;

    public ulong PageMask => ~(PageSize - 1);

    /// <summary>Entries of the widest table: what a page-table frame must be able to hold.</summary>
    public int EntriesPerTable => 1 << _bits.Max();

    /// <summary>The user half of the address space: TASK_SIZE.</summary>
    public ulong TaskSize => 1UL << (_entryShifts[Levels] - 1);

    /// <summary>Index bits of a level-<paramref name="level"/> table (added for s390).</summary>
    public int Bits(int level) => _bits[level];

    /// <summary>Entries of a level-<paramref name="level"/> table (added for s390).</summary>
    public int EntriesAt(int level) => 1 << _bits[level];

    /// <summary>
    /// The order of a huge folio: the frames one level-1 entry maps (9 on x86-64, 8 on s390).
    /// </summary>
    public int HugeOrder => _bits[0];

    /// <summary>Shift of the span one entry of a level-<paramref name="level"/> table maps.</summary>
    public int EntryShift(int level) =>
        level <= Levels ? _entryShifts[level] : _entryShifts[Levels] + ((level - Levels) * _bits[Levels - 1]);

    /// <summary>Bytes mapped by one entry of a table at <paramref name="level"/> (PAGE_SIZE, PMD_SIZE, ...).</summary>
    public ulong EntrySpan(int level) => 1UL << EntryShift(level);

    /// <summary>Bytes covered by a whole table at <paramref name="level"/> (PMD_SIZE for a PTE table).</summary>
    public ulong TableSpan(int level) => EntrySpan(level + 1);

    public int TableSpanShift(int level) => EntryShift(level + 1);

    public int Index(ulong va, int level) => (int)((va >> EntryShift(level)) & (ulong)(EntriesAt(level) - 1));

    /// <summary>The kernel's pXd_addr_end: the next boundary of a level-<paramref name="level"/> entry, clamped to end.</summary>
    public ulong AddrEnd(ulong addr, ulong end, int level)
    {
        ulong boundary = (addr + EntrySpan(level)) & ~(EntrySpan(level) - 1);
        return boundary - 1 < end - 1 ? boundary : end;
    }

    private static int[] Uniform(int levels, int bits)
    {
        if (levels is < 2 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "levels must be 2..5");
        }

        return [.. Enumerable.Repeat(bits, levels)];
    }

    /// <summary>Name of the table at a level, as Linux spells it (pte, pmd, pud, p4d, pgd).</summary>
    public string LevelName(int level)
    {
        if (level == Levels - 1)
        {
            return "pgd";
        }

        return level switch
        {
            0 => "pte",
            1 => "pmd",
            2 => "pud",
            _ => "p4d",
        };
    }
}
