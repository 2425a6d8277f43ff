using MmuGather.Explore;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// mremap (Mm/Mremap.cs, Mm/MremapMove.cs): shrink through the munmap path, grow in place,
/// move with move_ptes, the PMD fast path and move_huge_pmd; refcounts stay exact (the leak
/// checker and the teardown's frees agree) and no checker fires.
/// </summary>
public class MremapTests
{
    private const long Page = 4096;

    /// <summary>A region of <paramref name="pages"/> populated pages mremapped to <paramref name="newPages"/>, a sibling spinning on CPU 1.</summary>
    internal static string Remap(long pages, long newPages, string mremapArgs = "may_move: true", string before = "- mmap: { name: blocker, length: 4KiB }", string mmapArgs = "populate: true", string after = "", string arch = "x86", string kernel = "") => $$"""
        name: mremap
        machine: { arch: {{arch}}, cpus: 2, memory: 512MiB }{{kernel}}
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  {{before}}
                  - mmap: { name: buf, length: {{pages * Page}}, {{mmapArgs}} }
                  - mremap: { region: buf, length: {{newPages * Page}}, {{mremapArgs}} }
                  {{after}}
              - cpu: 1
                steps:
                  - spin
        """;

    [Fact]
    public void ShrinkUnmapsTheTailThroughTheMunmapPath()
    {
        RunResult r = TestScenarios.Run(Remap(64, 16, mremapArgs: "may_move: false", after: "- munmap: { region: buf }"));

        Assert.Empty(r.Violations);
        Assert.Equal(48, TestScenarios.StepOf(r, "mremap").PagesFreed);
        Assert.Equal(16, TestScenarios.StepOf(r, "munmap").PagesFreed); // the region now names 16 pages
        Assert.Equal(0, r.Counters["mremap_moves"]);
    }

    [Fact]
    public void GrowthInPlaceFlushesNothingAndTheRegionGrows()
    {
        // Nothing is mapped above the first mapping: the vma just grows.
        RunResult r = TestScenarios.Run(Remap(16, 64, before: "", after: "- touch: { region: buf, write: true }"));

        Assert.Empty(r.Violations);
        Assert.Equal(0, TestScenarios.StepOf(r, "mremap").RemoteFlushRounds);
        Assert.Equal(0, r.Counters["mremap_moves"]);
        Assert.Equal(48, TestScenarios.StepOf(r, "touch").PageFaults); // only the new pages fault
    }

    [Fact]
    public void BlockedGrowthWithoutMayMoveFailsAndLeavesTheRegion()
    {
        RunResult r = TestScenarios.Run(Remap(16, 64, mremapArgs: "may_move: false", after: "- touch: { region: buf, write: true }"));

        Assert.Equal(1, r.Counters["mremap_failed"]);
        Assert.Equal(0, TestScenarios.StepOf(r, "touch").PageFaults);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void AMoveCarriesEveryPageAndFlushesEachSpanBeforeItsLockIsDropped()
    {
        // 16 pages in one PTE table (not PMD aligned): one move_ptes, one flush_tlb_range; the
        // touch after the move finds every page at its new address.
        RunResult r = TestScenarios.Run(Remap(16, 32, after: "- touch: { region: buf, write: true, length: 64KiB }\n          - munmap: { region: buf }"));

        Assert.Empty(r.Violations);
        Assert.Equal(16, r.Counters["mremap_ptes_moved"]);
        Assert.Equal(0, TestScenarios.StepOf(r, "touch").PageFaults);
        Assert.Equal(16, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Equal(1, TestScenarios.StepOf(r, "mremap").RemoteFlushRounds);
    }

    [Fact]
    public void AnAlignedWholePmdSpanMovesItsTableByPointer()
    {
        // 2 MiB anonymous mappings are placed PMD aligned (thp_get_unmapped_area), the 4 MiB
        // destination too: move_normal_pmd moves the table, not the 512 entries.
        RunResult r = TestScenarios.Run(Remap(512, 1024, after: "- munmap: { region: buf }"));

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["mremap_tables_moved"]);
        Assert.Equal(0, r.Counters["mremap_ptes_moved"]);
        Assert.Equal(512, TestScenarios.StepOf(r, "munmap").PagesFreed);
    }

    [Fact]
    public void AHugePmdMovesWholeWithItsDepositedTable()
    {
        RunResult r = TestScenarios.Run(Remap(1024, 2048, mmapArgs: "populate: true, thp: true", after: "- munmap: { region: buf }"));

        Assert.Empty(r.Violations);
        Assert.Equal(2, r.Counters["mremap_huge_pmds_moved"]);
        Assert.Equal(1024, TestScenarios.StepOf(r, "munmap").PagesFreed);
    }

    [Fact]
    public void ArchitecturesWithoutPageTableMovesMoveEntryByEntry()
    {
        RunResult r = TestScenarios.Run(Remap(512, 1024, arch: "s390", after: "- munmap: { region: buf }"));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["mremap_tables_moved"]);
        Assert.Equal(512, r.Counters["mremap_ptes_moved"]);
    }

    [Fact]
    public void AShrinkThatCutsAHugePageSplitsIt()
    {
        // 4 MiB of THP shrunk to 1 MiB: the new end cuts the first huge page, which is split
        // (host: scenarios/fidelity/thp-split-mremap-spin.yaml); the second goes whole.
        RunResult r = TestScenarios.Run(Remap(1024, 256, mmapArgs: "populate: true, thp: true"));

        Assert.Equal(1, r.Counters["huge_pmd_splits"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void ParserReportsMissingLengthAndUnknownKeysWithTheirLine()
    {
        var missing = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Remap(16, 32).Replace("length: 131072, ", "")));
        var unknown = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Remap(16, 32, mremapArgs: "may_move: true, fixed: true")));
        var undefined = Assert.Throws<ScenarioException>(() => TestScenarios.Parse(Remap(16, 32).Replace("region: buf, length: 131072", "region: nope, length: 131072")));

        Assert.Contains("test.yaml:10", missing.Message);
        Assert.Contains("length", missing.Message);
        Assert.Contains("fixed", unknown.Message);
        Assert.Contains("test.yaml:10", undefined.Message);
    }

    [Fact]
    public void AMunmapToTheEndOfARegionShrunkBelowItsOffsetUnmapsNothing()
    {
        // Swarm finding: the validator allows the offset (the mmap's length), the region is
        // shorter by then; "to the end of the region" is an empty range, not a bad request.
        RunResult r = TestScenarios.Run(Remap(13, 1, mremapArgs: "may_move: false", after: "- munmap: { region: buf, offset: 24KiB }"));

        Assert.Empty(r.Violations);
        Assert.Equal(0, TestScenarios.StepOf(r, "munmap").PagesFreed);
    }

    [Fact]
    public void LaterStepsMayUseTheGrownLength()
    {
        // The validator allows a touch of the grown range (it would reject 128 KiB of a 64 KiB mmap).
        Scenario s = TestScenarios.Parse(Remap(16, 32, after: "- touch: { region: buf, length: 128KiB }"));

        Assert.Single(s.Processes);
    }

    [Fact]
    public void AMoveWithStoringSiblingsAndWritebackStaysCleanUnderExploration()
    {
        // The bug zoo's scenario with the fix in place, plus anonymous moves and the PMD fast
        // path of a file mapping (rmap locks against writeback), explored both ways.
        string yaml = """
            name: mremap-explore
            machine: { arch: x86, cpus: 3, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: blocker, length: 1MiB }
                      - mmap: { name: file, length: 2MiB, kind: file-shared }
                      - touch: { region: file, write: true, length: 16KiB }
                      - mremap: { region: file, length: 4MiB, may_move: true }
                      - mmap: { name: anon, length: 64KiB, populate: true }
                      - mremap: { region: anon, length: 32KiB }
                      - mremap: { region: anon, length: 1MiB, may_move: true }
                  - cpu: 1
                    steps:
                      - touch: { region: file, write: true, length: 16KiB, repeat: 100 }
                      - touch: { region: anon, write: true, length: 32KiB, repeat: 20 }
                  - cpu: 2
                    steps:
                      - writeback: { region: file, repeat: 50 }
            """;
        Scenario s = TestScenarios.Parse(yaml);
        foreach (string strategy in new[] { Strategies.Random, Strategies.Pct })
        {
            ExploreSummary sum = Explorer.Explore(s, new ExploreOptions { Runs = 200, BaseSeed = 3, Strategy = strategy, Jobs = 2 });

            Assert.Equal(0, sum.RunsWithViolations);
            Assert.Equal(0, sum.RunsFailed);
        }

        RunResult once = TestScenarios.Run(yaml);
        Assert.Equal(1, once.Counters["mremap_tables_moved"]);
        Assert.True(once.Counters["mk_clean_ptes"] > 0);
    }
}
