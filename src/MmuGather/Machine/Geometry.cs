namespace MmuGather.Machine;

/// <summary>
/// Paging geometry as data: page shift, number of levels and index bits per level.
/// Level 0 is the leaf (PTE) table; level <c>Levels-1</c> is the root (PGD).
/// Everything that depends on the page size (batch capacities, masks, table sizes) is
/// derived from here, never written as a literal elsewhere.
/// </summary>
public sealed class Geometry
{
    public const int EntryBytes = 8;

    public Geometry(int pageShift, int levels, int bitsPerLevel)
    {
        if (pageShift is < 10 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(pageShift), pageShift, "page shift must be 10..16");
        }

        if (levels is < 2 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "levels must be 2..5");
        }

        PageShift = pageShift;
        Levels = levels;
        BitsPerLevel = bitsPerLevel;
    }

    /// <summary>x86-64 with 4-level paging: 4 KiB pages, 512-entry tables, 48-bit addresses.</summary>
    public static Geometry X86_64 { get; } = new(12, 4, 9);

    public int PageShift { get; }

    public int Levels { get; }

    public int BitsPerLevel { get; }

    public ulong PageSize => 1UL << PageShift;

    public ulong PageMask => ~(PageSize - 1);

    public int EntriesPerTable => 1 << BitsPerLevel;

    /// <summary>The user half of the address space: TASK_SIZE.</summary>
    public ulong TaskSize => 1UL << (PageShift + (Levels * BitsPerLevel) - 1);

    /// <summary>Shift of the span one entry of a level-<paramref name="level"/> table maps.</summary>
    public int EntryShift(int level) => PageShift + (level * BitsPerLevel);

    /// <summary>Bytes mapped by one entry of a table at <paramref name="level"/> (PAGE_SIZE, PMD_SIZE, ...).</summary>
    public ulong EntrySpan(int level) => 1UL << EntryShift(level);

    /// <summary>Bytes covered by a whole table at <paramref name="level"/> (PMD_SIZE for a PTE table).</summary>
    public ulong TableSpan(int level) => EntrySpan(level + 1);

    public int TableSpanShift(int level) => EntryShift(level + 1);

    public int Index(ulong va, int level) => (int)((va >> EntryShift(level)) & (ulong)(EntriesPerTable - 1));

    /// <summary>The kernel's pXd_addr_end: the next boundary of a level-<paramref name="level"/> entry, clamped to end.</summary>
    public ulong AddrEnd(ulong addr, ulong end, int level)
    {
        ulong boundary = (addr + EntrySpan(level)) & ~(EntrySpan(level) - 1);
        return boundary - 1 < end - 1 ? boundary : end;
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
