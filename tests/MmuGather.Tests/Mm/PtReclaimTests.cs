using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// CONFIG_PT_RECLAIM (v6.14+, x86-64 only in v6.18): MADV_DONTNEED frees the PTE tables its
/// zap emptied over their whole span, through the gather, at the cost of a table flush.
/// </summary>
public class PtReclaimTests
{
    private const long GatherPages = 9678;

    private static string DontNeed(long regionPages, long offsetPages, long zapPages, string arch = "x86", string spin = "- spin: {}") => $$"""
        name: pt-reclaim
        machine: { arch: {{arch}}, cpus: 2, memory: 1GiB }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: {{regionPages * 4096}}, populate: true }
                  - madvise: { region: buf, advice: dontneed, offset: {{offsetPages * 4096}}, length: {{zapPages * 4096}} }
              - cpu: 1
                steps:
                  {{spin}}
        """;

    [Fact]
    public void TwoFullGathersEndingOnAnEmptiedTableCostAThirdRound()
    {
        // The second forced flush comes on the very last page; the last table is then freed
        // by the slow path, and tlb_finish_mmu owes a flush for it (host: 3).
        var sim = ScenarioRunner.Build(TestScenarios.Parse(DontNeed(2 * GatherPages, 0, 2 * GatherPages)));
        RunResult r = sim.Run();

        StepResult step = TestScenarios.StepOf(r, "madvise");
        Assert.Equal(3, step.RemoteFlushRounds);
        Assert.Equal(2, r.Counters["gather_forced_flushes"]);

        // mmap places the region's end on a PMD boundary: 37 whole tables under the range,
        // one partial table (412 pages) at its start that is kept.
        Assert.Equal(37, r.Counters["pte_tables_reclaimed"]);
        // page_tables_freed counts them once RCU lets them go: all but the last table batch in the step.
        Assert.InRange(step.PageTablesFreed, 36, 37);
        Assert.Equal(r.Counters["pages_freed"] + r.Counters["page_tables_freed"] + r.Teardown["page_tables_freed"] + r.Teardown["pages_freed"], sim.FlushBeforeFree.Examined);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void TheSameZapAsASubRangeKeepsItsLastTableAndCostsTwoRounds()
    {
        // 1 page before, 1,023 after: the range's last table keeps 511 mapped pages (host: 2).
        RunResult r = TestScenarios.Run(DontNeed((2 * GatherPages) + 1024, 1, 2 * GatherPages));

        Assert.Equal(2, TestScenarios.StepOf(r, "madvise").RemoteFlushRounds);
        Assert.Equal(37, r.Counters["pte_tables_reclaimed"]); // the interior tables still go, before the last forced flush
        Assert.Empty(r.Violations);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(16, 0)]
    [InlineData(512, 1)]
    [InlineData(9677, 18)]
    [InlineData(GatherPages, 18)]
    public void OnlyTablesTheZapCoversWhollyAreReclaimed(long pages, long reclaimed)
    {
        RunResult r = TestScenarios.Run(DontNeed(pages, 0, pages));

        Assert.Equal(reclaimed, r.Counters["pte_tables_reclaimed"]);
        Assert.Equal(pages, TestScenarios.StepOf(r, "madvise").PagesFreed);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void AZapOfPartOfATableFreesNoTable()
    {
        RunResult r = TestScenarios.Run(DontNeed(512, 256, 256));

        Assert.Equal(0, r.Counters["pte_tables_reclaimed"]);
        Assert.Equal(0, TestScenarios.StepOf(r, "madvise").PageTablesFreed);
        Assert.Empty(r.Violations);
    }

    [Theory]
    [InlineData("arm64")]
    [InlineData("riscv")]
    public void ArchitecturesWithoutArchSupportsPtReclaimKeepTheirTables(string arch)
    {
        RunResult r = TestScenarios.Run(DontNeed(2 * GatherPages, 0, 2 * GatherPages, arch));

        Assert.Equal(0, r.Counters["pte_tables_reclaimed"]);
        Assert.Equal(0, TestScenarios.StepOf(r, "madvise").PageTablesFreed);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void MunmapLeavesTheTablesToFreePgtables()
    {
        RunResult r = TestScenarios.Run(TestScenarios.Munmap(2 * GatherPages, spinner: true));

        Assert.Equal(0, r.Counters["pte_tables_reclaimed"]);
        Assert.Equal(3, TestScenarios.StepOf(r, "munmap").RemoteFlushRounds);
    }

    [Fact]
    public void AFaultAfterTheReclaimBuildsAFreshTable()
    {
        var sim = new Simulation(new SimulationOptions { Arch = "x86", Machine = new MachineOptions { Cpus = 2, MemoryBytes = 64UL << 20 } });
        Kernel k = sim.Kernel;
        MmStruct app = k.CreateMm("app");
        sim.Machine.SwitchTo(sim.Machine.Cpus[0]);
        k.ContextSwitch(app);
        Vma vma = k.Mmap.DoMmap(app, new MappingRequest("buf", 2UL << 20, Shared: false, FileBacked: false, Thp: false, Populate: true));
        PtDesc old = PteTableOf(k, app, vma.Start);

        k.Madvise.DontNeed(app, vma.Start, vma.End - vma.Start);

        Assert.True(old.Unhooked);
        Assert.Equal(1, k.Counters[Counter.PteTablesReclaimed]);
        Assert.Equal(FaultResult.Ok, k.Faults.HandleUserFault(app, vma.Start, write: true));
        PtDesc fresh = PteTableOf(k, app, vma.Start);
        Assert.NotSame(old, fresh);
        Assert.False(Pte.None(fresh.Entries[0]));
        Assert.Empty(sim.Checkers.SelectMany(c => c.Violations));
    }

    [Fact]
    public void FaultsRacingTheReclaimWalkAgainAndNothingIsLostOrFreedEarly()
    {
        // CPU 1 writes the region while CPU 0 zaps it: a fault that found a table before the
        // zap unhooked it must not fill it, and the slow path must not free a table a fault
        // refilled. Random interleavings over the scheduling points; every checker watches.
        string yaml = """
            name: pt-reclaim-race
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 4MiB, populate: true }
                      - madvise: { region: buf, advice: dontneed }
                      - madvise: { region: buf, advice: dontneed }
                  - cpu: 1
                    steps:
                      - touch: { region: buf, write: true }
                      - touch: { region: buf, write: true }
            """;
        Scenario scenario = TestScenarios.Parse(yaml);
        long retries = 0;
        long reclaimed = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            RunResult r = ScenarioRunner.Run(scenario, seed, settings: new RunSettings { Strategy = Strategies.Random });
            Assert.True(r.Violations.Count == 0, $"seed {seed}: {string.Join("; ", r.Violations)}");
            retries += r.Counters["pte_table_retries"];
            reclaimed += r.Counters["pte_tables_reclaimed"];
        }

        Assert.True(reclaimed > 0, "no run reclaimed a table");
        Assert.True(retries > 0, "no run raced a fault against the reclaim");
    }

    private static PtDesc PteTableOf(Kernel k, MmStruct mm, ulong va)
    {
        PtDesc table = mm.Pgd;
        while (table.Level > 0)
        {
            table = k.TableOf(table.Entries[k.Geometry.Index(va, table.Level)]);
        }

        return table;
    }
}
