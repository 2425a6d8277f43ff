using MmuGather.Scenarios;

namespace MmuGather.Tests.Checkers;

/// <summary>
/// Every checker fires on a deliberately broken variant of the model, and stays silent on
/// the same scenario without the bug: a checker that never fires proves nothing.
/// </summary>
public class CheckerFiresTests
{
    /// <summary>CPU1 touches the first page, CPU0 unmaps, CPU1 touches pages 0 and 1 again.</summary>
    private static string TouchUnmapTouch(string bugs) => $$"""
        name: touch-unmap-touch
        machine: { arch: x86, cpus: 2, memory: 256MiB }
        kernel: { bugs: [{{bugs}}] }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: 64KiB, populate: true }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
                  - touch: { region: buf, write: true, length: 4KiB }
                  - touch: { region: buf, length: 8KiB }
        """;

    [Fact]
    public void CorrectKernelIsSilentAndTheLateTouchFaults()
    {
        var r = TestScenarios.Run(TouchUnmapTouch(""));

        Assert.Empty(r.Violations);
        Assert.Equal(1, r.Counters["user_segv"]);
        Assert.Equal(1, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis);
    }

    [Fact]
    public void ACleanRunSaysWhatEachCheckerLookedAt()
    {
        var r = TestScenarios.Run(TouchUnmapTouch(""));
        var examined = r.Checked.ToDictionary(c => c.Checker, c => c.Examined);

        // 16 pages and their tables freed, 2 touches of CPU1 before the unmap (3 pages, the
        // late one faults before any access), the munmap's return, one teardown.
        Assert.True(examined["flush-before-free"] >= 16, $"flush-before-free examined {examined["flush-before-free"]}");
        Assert.True(examined["stale-tlb"] >= 1, $"stale-tlb examined {examined["stale-tlb"]}");
        Assert.True(examined["freed-table"] >= 1, $"freed-table examined {examined["freed-table"]}");
        Assert.True(examined["post-condition"] >= 1, $"post-condition examined {examined["post-condition"]}");
        Assert.Equal(1, examined["leak"]);
        Assert.All(r.Checked, c => Assert.Equal(0, c.Fired));
    }

    [Fact]
    public void AFiringCheckerHasExaminedWhatItReported()
    {
        var r = TestScenarios.Run(TouchUnmapTouch("skip-remote-flush"));

        Assert.Contains(r.Checked, c => c.Checker == "stale-tlb" && c.Fired > 0 && c.Examined >= c.Fired);
        Assert.Equal(r.ViolationsTotal, r.Checked.Sum(c => c.Fired));
    }

    [Fact]
    public void StaleTlbFiresWhenRemoteCpusAreNotFlushed()
    {
        var r = TestScenarios.Run(TouchUnmapTouch("skip-remote-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "stale-tlb" && v.Message.Contains("CPU1"));
    }

    [Fact]
    public void PostConditionFiresWhenMunmapReturnsWithRemoteEntries()
    {
        var r = TestScenarios.Run(TouchUnmapTouch("skip-remote-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "post-condition" && v.Message.StartsWith("munmap", StringComparison.Ordinal));
    }

    [Fact]
    public void FreedTableFiresWhenAWalkCacheStillPointsAtAFreedTable()
    {
        // Page 1 was never in CPU1's TLB: its walk starts from the walk cache entry for the
        // PTE table, which munmap freed without invalidating CPU1.
        var r = TestScenarios.Run(TouchUnmapTouch("skip-remote-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "freed-table" && v.Message.Contains("WalkCache"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FlushBeforeFreeFiresWhenTheGatherFreesFirst(bool spinner)
    {
        var r = TestScenarios.Run(TestScenarios.Munmap(16, spinner, bugs: "free-before-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "flush-before-free");
        Assert.Contains(r.Violations, v => v.Checker == "flush-before-free" && v.Step.Contains("munmap"));
    }

    [Fact]
    public void FlushBeforeFreeFiresWhenRemoteCpusAreSkipped()
    {
        var r = TestScenarios.Run(TestScenarios.Munmap(16, spinner: true, bugs: "skip-remote-flush"));

        Assert.Contains(r.Violations, v => v.Checker == "flush-before-free" && v.Message.Contains("CPU1"));
    }

    [Fact]
    public void LockDisciplineFiresWhenPagesAreFreedUnderThePteLock()
    {
        // 9678 pages fill the gather inside zap_pte_range: the forced flush frees under the lock.
        var r = TestScenarios.Run(TestScenarios.Munmap(9678, spinner: false, bugs: "flush-under-ptl"));

        Assert.Contains(r.Violations, v => v.Checker == "lock-discipline" && v.Message.Contains("cond_resched"));
    }

    [Fact]
    public void LeakFiresWhenBatchPagesAreNotReturned()
    {
        var r = TestScenarios.Run(TestScenarios.Munmap(1024, spinner: false, bugs: "leak-gather-batches"));

        Assert.Contains(r.Violations, v => v.Checker == "leak" && v.Message.Contains("GatherBatch"));
    }

    [Fact]
    public void ViolationsCarryTheSeedForReplay()
    {
        var r = TestScenarios.Run(TestScenarios.Munmap(16, spinner: true, bugs: "free-before-flush"), seed: 77);

        Assert.All(r.Violations, v => Assert.Equal(77UL, v.Seed));
    }

    [Fact]
    public void FlushBeforeFreeCheckedEveryFreedPageAndTable()
    {
        // The fidelity runs are clean because the oracle looked at every free, not because it slept.
        var sim = ScenarioRunner.Build(TestScenarios.Parse(TestScenarios.Munmap(65536, spinner: true)));
        var r = sim.Run();

        Assert.Empty(r.Violations);
        long frees = r.Counters["pages_freed"] + r.Counters["page_tables_freed"] + r.Teardown["pages_freed"] + r.Teardown["page_tables_freed"];
        Assert.Equal(frees, sim.FlushBeforeFree.Examined);
        Assert.True(sim.FlushBeforeFree.Examined > 65536);
    }
}
