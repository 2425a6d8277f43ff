using MmuGather.Arch.Arm64;
using static MmuGather.Tests.Arch.ArchScenarios;

namespace MmuGather.Tests.Arch;

/// <summary>
/// arm64's tlb_flush decisions: broadcast TLBIs and no IPI, leaf-only unless tables were
/// freed, the 512-operation fallback to a whole-ASID flush, range TLBI, and the exit that
/// needs no flush unless tables were freed.
/// </summary>
public class Arm64FlushTests
{
    [Fact]
    public void AMadviseFreesNoTableSoItsFlushIsLeafOnlyWithALevelHint()
    {
        var (r, log) = RunLogged(OneProcess("arm64", Madvise(16), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1, r.Counters["broadcast_flushes"]);
        Assert.Equal(16, r.Counters["broadcast_invalidations"]);
        Assert.Equal(1, r.Counters["last_level_flushes"]);
        Assert.Equal(1, r.Counters["tlbi_level_hints"]);
        var cpus = log.Invalidations.Where(i => i.End - i.Start == 16 * 4096).ToList();
        Assert.Equal([0, 1], cpus.Select(i => i.Cpu).Order());
        Assert.All(cpus, i => Assert.False(i.WalkCaches));
    }

    [Fact]
    public void FreedTablesTakeTheWalkCachesAlongOnEveryCpu()
    {
        var (r, log) = RunLogged(OneProcess("arm64", "- munmap: { region: buf, length: 2MiB }", sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(1, TestScenarios.StepOf(r, "munmap").PageTablesFreed);
        Assert.Equal(0, r.Counters["tlbi_level_hints"]); // no TTL hint once a table is freed
        var walkCaches = log.Invalidations.Where(i => i.WalkCaches && i.End != ulong.MaxValue).Select(i => i.Cpu).Order();
        Assert.Equal([0, 1], walkCaches);
    }

    [Theory]
    [InlineData(511, 511, 1)]
    [InlineData(512, 1, 0)]
    public void FiveHundredTwelveOperationsOrMoreBecomeOneWholeAsidFlush(long pages, long ops, long leafOnly)
    {
        var r = TestScenarios.Run(OneProcess("arm64", Madvise(pages), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(ops, r.Counters["broadcast_invalidations"]);
        Assert.Equal(leafOnly, r.Counters["last_level_flushes"]);
    }

    [Fact]
    public void WithRangeTlbiAWholeGatherTakesAFewRangeInstructions()
    {
        var r = TestScenarios.Run(OneProcess("arm64-tlbirange", Madvise(1023), sibling: true));

        Assert.Empty(r.Violations);
        Assert.Equal(TlbiRange.Ops(1023), r.Counters["broadcast_invalidations"]);
        Assert.Equal(1, r.Counters["last_level_flushes"]); // a range, not the whole ASID
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(512, 1)]
    [InlineData(1023, 3)]
    [InlineData(2048, 1)]
    [InlineData(9678, 3)]
    [InlineData(TlbiRange.MaxPages - 1, 5)]
    public void RangeInstructionsCoverThePagesLargestScaleFirst(long pages, long ops) =>
        Assert.Equal(ops, TlbiRange.Ops(pages));

    [Fact]
    public void AtTwoToTheTwentyOnePagesEvenRangeTlbiFlushesTheAsid() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TlbiRange.Ops(TlbiRange.MaxPages));

    [Fact]
    public void ExitSkipsTheLeafFlushButNotTheFlushOfTheFreedTables()
    {
        // 40 MiB = 10240 pages: the fullmm gather fills once (9678) before the tables go.
        string yaml = """
            name: arm64-exit
            machine: { arch: arm64, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 40MiB, populate: true }
                      - exit
                  - cpu: 1
                    steps:
                      - touch: { region: buf, length: 64KiB }
                      - exit
            """;

        var (r, log) = RunLogged(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["full_mm_flushes_skipped"]);
        Assert.Equal(2, r.Counters["tlb_flushes"]);
        Assert.Equal(1, r.Counters["broadcast_flushes"]); // only the flush of the freed tables
        Assert.Single(log.RetiredAsids.Distinct());
        Assert.Contains(log.Invalidations, i => i.End == ulong.MaxValue && i.WalkCaches && i.Cpu == 1);
    }
}
