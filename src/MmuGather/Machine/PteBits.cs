namespace MmuGather.Machine;

/// <summary>
/// The hardware's page-table entry format (x86-64 layout): the bits the hardware walker
/// understands. The kernel side manipulates entries only through Mm's PTE accessors.
/// </summary>
public static class PteBits
{
    public const ulong Present = 1UL << 0;
    public const ulong Write = 1UL << 1;
    public const ulong User = 1UL << 2;
    public const ulong Accessed = 1UL << 5;
    public const ulong Dirty = 1UL << 6;

    /// <summary>PS: in a PMD entry, maps a huge page instead of pointing to a PTE table.</summary>
    public const ulong Huge = 1UL << 7;

    public const int PfnShift = 12;
    public const ulong PfnMask = 0x000F_FFFF_FFFF_F000UL;

    public static int Pfn(ulong entry) => (int)((entry & PfnMask) >> PfnShift);

    public static ulong Make(int pfn, ulong flags) => ((ulong)pfn << PfnShift) | flags;
}
