using MmuGather.Arch.RiscV;
using static MmuGather.Tests.Arch.ArchScenarios;

namespace MmuGather.Tests.Arch;

/// <summary>
/// RISC-V's flush decisions: a local sfence.vma when only this hart is in mm_cpumask, one SBI
/// remote fence to the harts of mm_cpumask (and no others) otherwise; page by page up to
/// tlb_flush_all_threshold (64), the whole ASID above it and whenever tables were freed.
/// </summary>
public class RiscVFlushTests
{
    /// <summary>app runs on harts 0 and 1; another process runs on hart 2.</summary>
    private static string WithBystander(string steps) =>
        OneProcess("riscv", steps, sibling: true, cpus: 3) + """

              - name: other
                threads:
                  - cpu: 2
                    steps:
                      - mmap: { name: scratch, length: 16KiB, populate: true }
                      - spin: {}
            """;

    [Fact]
    public void TheSbiFenceReachesTheHartsOfMmCpumaskOnly()
    {
        var (r, log) = RunLogged(WithBystander(Madvise(16)));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1, r.Counters["sbi_remote_fences"]);
        Assert.Equal(1, r.Counters["sbi_remote_harts"]);
        var fenced = log.Invalidations.Where(i => i.End - i.Start == 16 * 4096).Select(i => i.Cpu).Order();
        Assert.Equal([0, 1], fenced);
    }

    [Fact]
    public void AloneInMmCpumaskTheHartFencesLocallyWithoutTheFirmware()
    {
        var r = TestScenarios.Run(OneProcess("riscv", Madvise(16), sibling: false));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["sbi_remote_fences"]);
        Assert.Equal(16, r.Counters["local_page_invalidations"]);
    }

    [Theory]
    [InlineData(RiscVMmu.TlbFlushAllThreshold, 1, 0)]
    [InlineData(RiscVMmu.TlbFlushAllThreshold + 1, 0, 1)]
    public void AboveSixtyFourPagesEveryHartFencesTheWholeAsid(long pages, long partial, long full)
    {
        var r = TestScenarios.Run(OneProcess("riscv", Madvise(pages), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["sbi_remote_fences"]);
        Assert.Equal((partial, full), (r.Counters["remote_partial_flushes"], r.Counters["remote_full_flushes"]));
        Assert.Equal(partial * pages * 2, r.Counters["local_page_invalidations"]);
    }

    [Fact]
    public void FreedTablesFenceTheWholeAsidHoweverSmallTheRange()
    {
        // A 16-page region alone in its PMD span: its munmap frees the PTE table.
        string yaml = OneProcess("riscv", "- mmap: { name: small, length: 64KiB, populate: true }\n- munmap: { region: small }", sibling: true);

        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(2, r.Counters["sbi_remote_fences"]); // the vma's leaves, then the tables
        Assert.Equal((1, 1), (r.Counters["remote_partial_flushes"], r.Counters["remote_full_flushes"]));
    }
}
