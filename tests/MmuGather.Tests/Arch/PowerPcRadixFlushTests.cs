using MmuGather.Arch.PowerPcRadix;
using static MmuGather.Tests.Arch.ArchScenarios;

namespace MmuGather.Tests.Arch;

/// <summary>
/// powerpc radix's flush decisions: tlbiel when only this CPU ever ran the mm, tlbie (a
/// broadcast, never an IPI) otherwise; the 33-page global and 256-page local ceilings; the
/// page-walk cache flushed with the TLB when tables were freed.
/// </summary>
public class PowerPcRadixFlushTests
{
    [Fact]
    public void AThreadLocalMmIsFlushedWithTlbielOnThisCpuOnly()
    {
        var (r, log) = RunLogged(OneProcess("ppc-radix", Madvise(16), sibling: false));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["broadcast_flushes"]);
        Assert.Equal(16, r.Counters["local_page_invalidations"]);
        Assert.All(log.Invalidations, i => Assert.Equal(0, i.Cpu));
    }

    [Fact]
    public void AnMmRunningOnAnotherCpuIsFlushedWithTlbie()
    {
        var r = TestScenarios.Run(OneProcess("ppc-radix", Madvise(16), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1, r.Counters["broadcast_flushes"]);
        Assert.Equal(16, r.Counters["broadcast_invalidations"]);
        Assert.Equal(0, r.Counters["local_page_invalidations"]);
    }

    [Fact]
    public void AnMmThatRanElsewhereOnceStaysGlobal()
    {
        // CPU 1's thread touches buf and ends: CPU 1 idles, its bit stays in mm_cpumask.
        string yaml = OneProcess("ppc-radix", Madvise(16), sibling: false)
            + "\n      - cpu: 1\n        steps:\n          - touch: { region: buf, length: 8KiB }";

        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["broadcast_flushes"]);
    }

    [Theory]
    [InlineData(PowerPcRadixMmu.SinglePageFlushCeiling, PowerPcRadixMmu.SinglePageFlushCeiling)]
    [InlineData(PowerPcRadixMmu.SinglePageFlushCeiling + 1, 1)]
    public void AboveThirtyThreePagesTlbieFlushesTheWholePid(long pages, long tlbies)
    {
        var r = TestScenarios.Run(OneProcess("ppc-radix", Madvise(pages), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(tlbies, r.Counters["broadcast_invalidations"]);
    }

    [Theory]
    [InlineData(PowerPcRadixMmu.LocalSinglePageFlushCeiling, PowerPcRadixMmu.LocalSinglePageFlushCeiling, 0)]
    [InlineData(PowerPcRadixMmu.LocalSinglePageFlushCeiling + 1, 0, 1)]
    public void AboveTwoHundredFiftySixPagesTlbielFlushesTheWholePid(long pages, long tlbiels, long pidFlushes)
    {
        var r = TestScenarios.Run(OneProcess("ppc-radix", Madvise(pages), sibling: false));

        Assert.Empty(r.Violations);
        Assert.Equal(tlbiels, r.Counters["local_page_invalidations"]);
        Assert.Equal(pidFlushes, r.Counters["local_full_flushes"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FreedTablesFlushThePageWalkCacheToo(bool sibling)
    {
        // The first munmap leaves the PTE table to the rest of the vma; the madvise empties the
        // rest; the last munmap then has no page left to clear, only the table to free.
        string steps = """
            - munmap: { region: buf, length: 64KiB }
            - madvise: { region: buf, advice: dontneed, offset: 64KiB, length: 1984KiB }
            - munmap: { region: buf, offset: 64KiB, length: 1984KiB }
            """;
        var (r, log) = RunLogged(OneProcess("ppc-radix", steps, sibling));

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["page_walk_cache_flushes"]); // only the table-freeing munmap
        Assert.Contains(log.Invalidations, i => i.WalkCaches && i.End != ulong.MaxValue);
        Assert.Contains(log.Invalidations, i => !i.WalkCaches);
    }
}
