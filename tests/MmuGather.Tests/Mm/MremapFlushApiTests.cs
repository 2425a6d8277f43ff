using MmuGather.Explore;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// mremap's two flush APIs (<c>kernel: { flush_api: linux | gather }</c>): 6.18's direct
/// flush_tlb_range of each moved extent, and the 2007 series' gather that records each moved
/// entry's old address. The gather cannot save flushes here: correctness needs each one before
/// the PTE (or rmap) locks are dropped, where Linux flushes directly; what it changes is how
/// much each flush covers.
/// </summary>
public class MremapFlushApiTests
{
    private static string Move(string flushApi, string region, string touched) => $$"""
        name: mremap-flush-api
        machine: { arch: x86, cpus: 2, memory: 256MiB }
        kernel: { flush_api: {{flushApi}} }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: blocker, length: 4KiB }
                  - mmap: { name: buf, length: {{region}} }
                  - touch: { region: buf, write: true, length: {{touched}} }
                  - mremap: { region: buf, length: 24MiB, may_move: true }
              - cpu: 1
                steps:
                  - spin
        """;

    [Fact]
    public void TheGatherFlushesOnlyTheMovedEntriesWhereLinuxFlushesTheWholeExtent()
    {
        // 16 pages written at the start of a 1000 KiB region: one extent of 250 pages. Linux
        // flushes all 250 (past x86's 33-page ceiling: a full flush on both CPUs); the gather's
        // range is the 16 moved entries (INVLPG each, a partial flush remotely).
        RunResult linux = TestScenarios.Run(Move("linux", "1000KiB", "64KiB"));
        RunResult gather = TestScenarios.Run(Move("gather", "1000KiB", "64KiB"));

        Assert.Empty(linux.Violations);
        Assert.Empty(gather.Violations);
        Assert.Equal(TestScenarios.StepOf(linux, "mremap").RemoteFlushRounds, TestScenarios.StepOf(gather, "mremap").RemoteFlushRounds);
        Assert.Equal(1, linux.Counters["remote_full_flushes"]);
        Assert.Equal(0, gather.Counters["remote_full_flushes"]);
        Assert.Equal(1, gather.Counters["remote_partial_flushes"]);
        Assert.Equal(32, gather.Counters["local_page_invalidations"]); // 16 here, 16 on CPU 1
        Assert.Equal(1, linux.Counters["direct_flushes"]);
        Assert.Equal(0, gather.Counters["direct_flushes"]);
    }

    [Fact]
    public void AMoveSpanningManyPmdsCostsTheSameFlushesEitherWay()
    {
        // 20 MiB written in full, moved unaligned: every extent flushes under its locks in both.
        RunResult linux = TestScenarios.Run(Move("linux", "20000KiB", "20000KiB"));
        RunResult gather = TestScenarios.Run(Move("gather", "20000KiB", "20000KiB"));

        // tlb_flushes: the unmap of the old range flushes through its own gather in both.
        long extents = linux.Counters["direct_flushes"];
        Assert.True(extents > 10);
        Assert.Equal(extents + linux.Counters["tlb_flushes"], gather.Counters["tlb_flushes"]);
        Assert.Equal(TestScenarios.StepOf(linux, "mremap").RemoteFlushRounds, TestScenarios.StepOf(gather, "mremap").RemoteFlushRounds);
        Assert.Empty(linux.Violations);
        Assert.Empty(gather.Violations);
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("gather")]
    public void TheLateFlushIsFoundAndTheFixHoldsWithEitherApi(string flushApi)
    {
        Scenario zoo = ScenarioParser.ParseFile(Path.Combine(Sim.SchedulerTests.RepoRoot(), "scenarios", "bugs", "mremap-late-flush.yaml"));
        Scenario broken = zoo with { Kernel = zoo.Kernel with { FlushApi = flushApi == "gather" ? MmuGather.Mm.FlushApi.Gather : MmuGather.Mm.FlushApi.Linux } };
        Scenario fixedScenario = broken with { Kernel = broken.Kernel with { Bugs = [] } };

        ExploreSummary found = Explorer.Explore(broken, new ExploreOptions { Runs = 1000, BaseSeed = 1, StopOnFirst = true });
        ExploreSummary clean = Explorer.Explore(fixedScenario, new ExploreOptions { Runs = 300, BaseSeed = 7, Jobs = 2 });

        Assert.NotNull(found.FirstBadRun);
        Assert.Contains(found.Bad[0].Violations, v => v.Checker == "lost-write");
        Assert.Equal(0, clean.RunsWithViolations);
        Assert.Equal(0, clean.RunsFailed);
    }
}
