using MmuGather.Arch.S390;
using MmuGather.Explore;
using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// s390: IPTE at every clear (a broadcast, no IPI), pages freed at once, the lazy path when
/// the mm is attached to one CPU only, flush_mm owed by lazy PTEs and by freed tables and
/// paid by tlb_flush or by the next CPU that attaches, and 256-entry page tables.
/// </summary>
public class S390Tests
{
    private static string Scenario(string t0Steps, bool spinner, string memory = "256MiB") => $$"""
        name: s390
        machine: { arch: s390, cpus: 2, memory: {{memory}} }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
        {{string.Join("\n", t0Steps.Split('\n').Select(l => "              " + l.Trim()))}}{{(spinner ? "\n      - cpu: 1\n        steps:\n          - spin" : string.Empty)}}
        """;

    [Fact]
    public void EveryPageIsInvalidatedByABroadcastAtItsClearAndFreedInItsStep()
    {
        var r = TestScenarios.Run(Scenario("- mmap: { name: b, length: 4MiB, populate: true }\n- munmap: { region: b }", spinner: true));

        StepResult munmap = TestScenarios.StepOf(r, "munmap");
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(1024, munmap.PagesFreed);
        Assert.Equal(0, r.Counters["gather_batch_pages_allocated"]);
        Assert.Equal(0, r.Counters["local_page_invalidations"]);

        // 1024 IPTEs, then one IDTE of the whole mm: freed page tables set flush_mm.
        Assert.Equal(1025, r.Counters["broadcast_flushes"]);
        Assert.Equal(1025, r.Counters["broadcast_invalidations"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void NothingIsGatheredSoTheGatherNeverFills()
    {
        var r = TestScenarios.Run(Scenario("- mmap: { name: b, length: 40MiB, populate: true }\n- munmap: { region: b }", spinner: true));

        Assert.Equal(10240, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Equal(0, r.Counters["gather_forced_flushes"]);
        Assert.Equal(0, r.Counters["gather_batch_pages_allocated"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void AnMmAttachedToThisCpuAloneIsInvalidatedLazilyAndPurgedOnceByTlbFlush()
    {
        var r = TestScenarios.Run(Scenario("- mmap: { name: b, length: 64KiB, populate: true }\n- munmap: { region: b }", spinner: false));

        Assert.Equal(16, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Equal(16, r.Counters["local_page_invalidations"]); // the model's local purge of each lazy PTE

        // tlb_end_vma pays flush_mm for the lazy PTEs, tlb_finish_mmu again for the freed tables.
        Assert.Equal(2, r.Counters["broadcast_flushes"]);
        Assert.Equal(2, r.Counters["tlb_flushes"]);
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void HugePagesAreOneMegabyteSegmentsInvalidatedWithIdte()
    {
        var r = TestScenarios.Run(Scenario("- mmap: { name: h, length: 4MiB, populate: true, thp: true }\n- munmap: { region: h }", spinner: true));

        Assert.Equal(1024, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Equal(4, r.Counters["page_faults"]);           // one fault per 1 MiB segment
        Assert.Equal(4 + 1, r.Counters["broadcast_flushes"]); // an IDTE per segment, one for the freed tables
        Assert.Empty(r.Violations);
    }

    [Fact]
    public void PageTablesHave256EntriesSoEachMapsOneMegabyte()
    {
        Geometry g = S390Mmu.PageTableGeometry;
        var r = TestScenarios.Run(Scenario("- mmap: { name: b, length: 4MiB, populate: true }\n- munmap: { region: b }", spinner: true));

        Assert.Equal(256, g.EntriesAt(0));
        Assert.Equal(2048, g.EntriesAt(1));
        Assert.Equal(1UL << 20, g.EntrySpan(1));
        Assert.Equal(8, g.HugeOrder);

        // Four page tables, the segment and region-third tables above them, and the top table (at exit).
        Assert.Equal(4 + 2 + 1, r.Counters["page_tables_freed"] + r.Teardown["page_tables_freed"]);
    }

    [Fact]
    public void ACpuAttachingWhileAPurgeIsOwedPaysItFirst()
    {
        var sim = new Simulation(new SimulationOptions { Arch = "s390", Machine = new MachineOptions { Cpus = 2, MemoryBytes = 64UL << 20 } });
        Kernel k = sim.Kernel;
        SimMachine m = sim.Machine;
        MmStruct app = k.CreateMm("app");
        MmStruct other = k.CreateMm("other");

        // CPU1 runs app and fills its TLB from the buffer, then switches to another process:
        // app is detached there, but its TLB entries stay (tagged with app's address space).
        m.SwitchTo(m.Cpus[1]);
        k.ContextSwitch(app);
        Vma vma = k.Mmap.DoMmap(app, new MappingRequest("buf", 64UL << 10, Shared: false, FileBacked: false, Thp: false, Populate: true));
        for (ulong va = vma.Start; va < vma.End; va += 4096)
        {
            Assert.Equal(AccessResult.Ok, m.Walker.Access(va, write: true));
        }

        k.ContextSwitch(other);

        // CPU0 runs app alone: its zap invalidates lazily and frees each page at once; a
        // purge of the whole mm is owed until the gather flushes.
        m.SwitchTo(m.Cpus[0]);
        k.ContextSwitch(app);
        Gather tlb = Gather.TlbGatherMmu(k, app);
        k.Zap.ZapPteRange(tlb, vma, PteTableOf(k, app, vma.Start), vma.Start, vma.End);
        Assert.Equal(16, k.Counters[Counter.PagesFreed]);
        Assert.Equal(0, k.Counters[Counter.BroadcastFlushes]);
        Assert.True(m.Cpus[1].Tlb.FindAny(app.Id, vma.Start, vma.End, out _, out _), "CPU1 should still cache app's old translations");

        // app comes back to CPU1 before that flush: attaching pays the purge first.
        m.SwitchTo(m.Cpus[1]);
        k.ContextSwitch(app);
        Assert.Equal(1, k.Counters[Counter.BroadcastFlushes]);
        Assert.False(m.Cpus[1].Tlb.FindAny(app.Id, vma.Start, vma.End, out _, out _));
        Assert.Equal(AccessResult.NotPresent, m.Walker.Access(vma.Start, write: false));

        m.SwitchTo(m.Cpus[0]);
        tlb.TlbFinishMmu();
        Assert.Equal(1, k.Counters[Counter.BroadcastFlushes]); // nothing owed any more
        Assert.Empty(sim.Checkers.SelectMany(c => c.Violations));
    }

    [Fact]
    public void InterleavedMmSwitchesNeverLeaveAStaleTranslation()
    {
        // app's thread on CPU1 shares the CPU with another process while CPU0 zaps app: the
        // lazy path, the IPTE path and the purge at attach all take turns.
        string yaml = """
            name: s390-switches
            machine: { arch: s390, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 256KiB, populate: true }
                      - madvise: { region: buf, advice: dontneed }
                      - munmap: { region: buf }
                  - cpu: 1
                    steps:
                      - touch: { region: buf, write: true }
                      - touch: { region: buf, repeat: 2 }
              - name: other
                threads:
                  - cpu: 1
                    steps:
                      - mmap: { name: x, length: 64KiB, populate: true }
                      - touch: { region: x, repeat: 4 }
            """;

        ExploreSummary s = Explorer.Explore(TestScenarios.Parse(yaml), new ExploreOptions { Runs = 300, BaseSeed = 7 });

        Assert.Equal(0, s.RunsWithViolations + s.RunsFailed);
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
