using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// sparc64's decisions: every valid PTE that changes goes through a per-CPU batch of 192,
/// drained when full and when lazy-MMU mode is left; a drain clears the TSB before any TLB;
/// the TLBs of other CPUs are reached by cross-call, only those in mm_cpumask; a full-mm
/// teardown batches nothing.
/// </summary>
public class Sparc64Tests
{
    /// <summary>
    /// CPU 0 unmaps <paramref name="pages"/> populated pages while a sibling that read them
    /// spins on CPU 1 and another process spins on CPU 2.
    /// </summary>
    private static string UnmapWithNeighbours(long pages) => CacheScenarios.Yaml(
        "sparc64",
        3,
        [[$"mmap: {{ name: buf, length: {pages * 4096}, populate: true }}", "munmap: { region: buf }"], ["touch: { region: buf }", "spin"]],
        memory: "256MiB",
        otherProcess: "mmap: { name: x, length: 16KiB, populate: true }");

    /// <summary>CPU 0 maps 64 KiB populated, runs <paramref name="cpu0"/> on it; CPU 1 runs <paramref name="cpu1"/>.</summary>
    private static string Populated(string[] cpu0, string[] cpu1) =>
        CacheScenarios.Yaml("sparc64", 2, [["mmap: { name: buf, length: 64KiB, populate: true }", .. cpu0], cpu1]);

    [Fact]
    public void TheBatchOf192DrainsWhenFullAndWhenLazyMmuModeIsLeft()
    {
        // 200 valid PTEs in one table: a drain at 192, one of 8 at the lazy-MMU exit; one cross-call each.
        var r = TestScenarios.Run(UnmapWithNeighbours(200));

        Assert.Empty(r.Violations);
        Assert.Equal(2, r.Counters["lazy_mmu_batch_flushes"]);
        Assert.Equal(200, r.Counters["tsb_invalidations"]);
        Assert.Equal(2, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis);
        Assert.Equal(400, r.Counters["local_page_invalidations"]); // CPU 0 and CPU 1, one demap per page each
    }

    [Fact]
    public void EveryValidPteIsFlushedTouchedOrNot()
    {
        string yaml = Populated(["munmap: { region: buf }"], ["spin"]);
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tsb_fills"]);
        Assert.Equal(16, r.Counters["tsb_invalidations"]);
        Assert.Equal(1, r.Counters["tlb_shootdown_ipis"]);
    }

    [Fact]
    public void ADrainClearsTheTsbBeforeAnyTlb()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(UnmapWithNeighbours(200)));
        var log = new CacheEventLog();
        sim.Hub.Add(log);
        RunResult r = sim.Run();

        Assert.Empty(r.Violations);
        var events = log.Events;
        int removals = 0;
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].What != "removed")
            {
                continue;
            }

            removals++;
            ulong va = events[i].Va;
            int removedAt = i;
            Assert.DoesNotContain(events.Take(removedAt), e => e.What == "invalidated" && e.Va <= va && e.End > va);
        }

        Assert.Equal(200, removals);
    }

    [Fact]
    public void CrossCallsGoOnlyToTheCpusOfMmCpumask()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(UnmapWithNeighbours(1024)));
        RunResult r = sim.Run();

        Assert.Empty(r.Violations);
        Assert.Equal(6, sim.Machine.Cpus[1].IpisReceived(IpiKind.TlbFlush)); // 192 + 192 + 128 per table, two tables
        Assert.Equal(0, sim.Machine.Cpus[2].IpisReceived(IpiKind.TlbFlush)); // never ran the mm
        Assert.Equal(0, sim.Machine.Cpus[0].IpisReceived(IpiKind.TlbFlush));
    }

    [Fact]
    public void AnMmThatRanOnlyHereNeedsNoCrossCall()
    {
        string yaml = CacheScenarios.Yaml("sparc64", 2, [["mmap: { name: buf, length: 64KiB, populate: true }", "touch: { region: buf }", "munmap: { region: buf }"]]);
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(16, r.Counters["tsb_invalidations"]);
    }

    [Fact]
    public void ATsbMissLoadsTheTsbOnceForEveryCpuOfTheMm()
    {
        string yaml = Populated(["touch: { region: buf }"], ["touch: { region: buf }"]);
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(16, r.Counters["tsb_fills"]);
        Assert.Equal(16, r.Counters["page_faults"]); // populate's; the TSB misses are not page faults
    }

    [Fact]
    public void ExitBatchesNothingAndFlushesNothing()
    {
        string yaml = Populated(["touch: { region: buf, write: true }", "exit"], ["touch: { region: buf }", "exit"]);
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(16, r.Counters["tsb_fills"]);
        Assert.Equal(16, r.Counters["pages_freed"]);
        Assert.Equal(0, r.Counters["tsb_invalidations"]);
        Assert.Equal(0, r.Counters["lazy_mmu_batch_flushes"]);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
    }
}
