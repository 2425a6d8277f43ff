namespace MmuGather.Arch.Arm64;

/// <summary>
/// How many FEAT_TLBIRANGE instructions (TLBI RVAE1IS / RVALE1IS) a range of pages takes, as
/// __flush_tlb_range_op in arch/arm64/include/asm/tlbflush.h issues them.
///
/// <para><b>Invariant:</b> the instructions counted cover the pages exactly, never more and
/// never fewer. One range instruction names <c>(num + 1) &lt;&lt; (5 * scale + 1)</c> pages with
/// num in 0..31 and scale in 0..3, so it covers an even count of up to 2^21 pages; the
/// kernel starts at the largest scale and works down, and a last odd page takes one
/// ordinary TLBI. A range below <see cref="MaxPages"/> pages therefore needs at most five
/// instructions.</para>
/// </summary>
public static class TlbiRange
{
    /// <summary>MAX_TLBI_RANGE_PAGES = __TLBI_RANGE_PAGES(31, 3): from here on, flush the ASID.</summary>
    public const long MaxPages = 32L << 16;

    private const int MaxScale = 3;

    private const int MaxNum = 31;

    /// <summary>The instructions needed for <paramref name="pages"/> pages (fewer than <see cref="MaxPages"/>).</summary>
    public static long Ops(long pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pages, MaxPages);
        long ops = 0;
        for (int scale = MaxScale; pages > 1 && scale >= 0; scale--)
        {
            long num = (Math.Min(pages, PagesOf(MaxNum, scale)) >> Shift(scale)) - 1;
            if (num >= 0)
            {
                ops++;
                pages -= PagesOf(num, scale);
            }
        }

        // An odd page left over: range instructions only span even counts.
        return ops + pages;
    }

    /// <summary>__TLBI_RANGE_PAGES: pages covered by one instruction with these fields.</summary>
    private static long PagesOf(long num, int scale) => (num + 1) << Shift(scale);

    private static int Shift(int scale) => (5 * scale) + 1;
}
