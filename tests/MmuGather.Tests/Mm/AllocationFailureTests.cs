namespace MmuGather.Tests.Mm;

/// <summary>The gather never fails: without batch pages it flushes more often and still frees everything.</summary>
public class AllocationFailureTests
{
    [Fact]
    public void MunmapWithoutBatchPagesFlushesEverySevenPages()
    {
        // Only the embedded batch (8 slots, moves on at 7) is left: the gather is full after
        // every 7th page. floor(65536 / 7) = 9362 forced flushes, then the final one.
        var r = TestScenarios.Run(TestScenarios.Munmap(65536, spinner: true, extraMachine: ", fail_alloc: [ { site: gather-batch, nth: 1 } ]"));

        Assert.Equal(65536, r.Counters["pages_freed"]);
        Assert.Equal(9362, r.Counters["gather_forced_flushes"]);
        Assert.Equal(9363, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis);
        Assert.Equal(0, r.Counters["gather_batch_pages_allocated"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void MunmapWithOneBatchPageFailingMidwayStillCompletes()
    {
        // The third batch page cannot be had once: that round is full after 7 + 2 x 509 pages.
        var ok = TestScenarios.Run(TestScenarios.Munmap(65536, spinner: true));
        var r = TestScenarios.Run(TestScenarios.Munmap(65536, spinner: true, extraMachine: ", fail_alloc: [ { site: gather-batch, nth: 3, count: 1 } ]"));

        Assert.Equal(65536, r.Counters["pages_freed"]);
        Assert.True(r.Counters["tlb_shootdown_ipis"] > ok.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1, r.Counters["gather_batch_alloc_failures"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void TablesAreFreedOneByOneWhenNoTableBatchCanBeHad()
    {
        // 16 pages: one PTE table, one PMD table, one PUD table. Each goes singly: invalidate,
        // a synchronising IPI to every CPU, then free.
        var r = TestScenarios.Run(TestScenarios.Munmap(16, spinner: true, extraMachine: ", fail_alloc: [ { site: table-batch, nth: 1 } ]"));

        Assert.Equal(3, r.Counters["tables_freed_one_by_one"]);
        Assert.Equal(3, r.Counters["call_function_ipis"]);
        Assert.Equal(3, r.Counters["page_tables_freed"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void FaultsThatRunOutOfMemoryAreCountedNotSegfaults()
    {
        // The 5th user-page allocation and every later one fail: populate stops at page 4 and
        // the later touch stops at its first fault; nothing is a SIGSEGV, nothing leaks.
        var r = TestScenarios.Run("""
            name: oom
            machine: { arch: x86, cpus: 2, memory: 64MiB, fail_alloc: [ { site: user-page, nth: 5 } ] }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 64KiB, populate: true }
                      - touch: { region: buf, write: true }
                      - munmap: { region: buf }
            """);

        Assert.Equal(2, r.Counters["fault_oom"]);
        Assert.Equal(0, r.Counters["user_segv"]);
        Assert.Equal(4, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Empty(r.Violations);
    }
}
