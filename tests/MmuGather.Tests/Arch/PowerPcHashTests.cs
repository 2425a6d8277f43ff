using MmuGather.Arch.PowerPcHash;
using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Arch;

/// <summary>
/// powerpc hash's decisions: HPTEs come from hash_page, changed hashed PTEs go through a
/// per-CPU batch of 192 drained when full and when lazy-MMU mode is left (before the PTE lock
/// is dropped), tlbie needs no IPI, and outside lazy-MMU mode the flush is immediate.
/// </summary>
public class PowerPcHashTests
{
    /// <summary>CPU 1 reads a populated buffer of <paramref name="pages"/> pages (hashing each), then CPU 0 unmaps it.</summary>
    private static string ReadThenUnmap(long pages, string bugs = "") => CacheScenarios.Yaml(
        "ppc-hash",
        2,
        [[$"mmap: {{ name: buf, length: {pages * 4096}, populate: true }}", "munmap: { region: buf }"], ["touch: { region: buf }", "spin"]],
        memory: "256MiB",
        bugs: bugs);

    /// <summary>One thread on CPU 0 maps 16 KiB (<paramref name="kind"/>), reads it, then writes it.</summary>
    private static string ReadThenWrite(string kind) => CacheScenarios.Yaml(
        "ppc-hash",
        1,
        [[$"mmap: {{ name: buf, length: 16KiB, kind: {kind} }}", "touch: { region: buf }", "touch: { region: buf, write: true }"]]);

    [Fact]
    public void TheBatchOf192DrainsWhenFullAndWhenLazyMmuModeIsLeft()
    {
        // 200 hashed PTEs in one PTE table: 192 drain when the batch fills, 8 at the lazy-MMU exit.
        var r = TestScenarios.Run(ReadThenUnmap(200));

        Assert.Empty(r.Violations);
        Assert.Equal(200, r.Counters["hpte_inserts"]);
        Assert.Equal(200, r.Counters["hpte_invalidations"]);
        Assert.Equal(2, r.Counters["lazy_mmu_batch_flushes"]);
        Assert.Equal(2, r.Counters["broadcast_flushes"]);
        Assert.Equal(200, r.Counters["broadcast_invalidations"]);
    }

    [Fact]
    public void EveryHpteIsGoneBeforeThePteLockIsReleased()
    {
        var (r, log) = RunLogged(ReadThenUnmap(200));

        Assert.Empty(r.Violations);
        Assert.NotEmpty(log.LiveAtPteUnlock);
        Assert.All(log.LiveAtPteUnlock, live => Assert.Equal(0, live));
    }

    [Fact]
    public void WithTheLateFlushTheLockIsReleasedOverStaleHptes()
    {
        var (_, log) = RunLogged(ReadThenUnmap(200, bugs: "ppc-hash-late-flush"));

        Assert.Equal(8, log.LiveAtPteUnlock.Single()); // what the full batch did not take along
    }

    [Fact]
    public void TlbieNeedsNoIpiAndLeavesNoTlbEntryAnywhere()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(ReadThenUnmap(64)));
        RunResult r = sim.Run();

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["tlb_shootdown_ipis"]);
        Assert.Equal(0, r.Counters["call_function_ipis"]);
        Assert.Equal(64, r.Counters["broadcast_invalidations"]);
        Assert.All(sim.Machine.Cpus, cpu => Assert.False(cpu.Tlb.FindAny(1, 0, ulong.MaxValue, out _, out _)));
        Assert.Equal(0, ((PowerPcHashMmu)sim.Kernel.Arch).Table.Count);
    }

    [Fact]
    public void AnHptMissIsHashedFromTheLinuxPteWithoutAPageFault()
    {
        string yaml = CacheScenarios.Yaml(
            "ppc-hash",
            2,
            [["mmap: { name: buf, length: 64KiB, populate: true }", "touch: { region: buf }"], ["touch: { region: buf }"]]);
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(16, r.Counters["page_faults"]); // populate's; the touches only hash
        Assert.Equal(16, r.Counters["hpte_inserts"]); // once for both CPUs: the table is global
    }

    [Fact]
    public void ACleanPageIsHashedReadOnlyAndItsFirstStoreUpdatesTheHpteInPlace()
    {
        // A shared file page read first is mapped clean and hashed read-only; the store faults,
        // the PTE becomes writable and dirty, and hash_page updates the HPTE (with a tlbie).
        string yaml = ReadThenWrite("file-shared");
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Counters["user_segv"]);
        Assert.Equal(4, r.Counters["hpte_inserts"]);
        Assert.Equal(4, r.Counters["broadcast_invalidations"]);
        Assert.Equal(0, r.Counters["lazy_mmu_batch_flushes"]);
    }

    [Fact]
    public void OutsideLazyMmuModeTheHpteIsFlushedOnTheSpot()
    {
        // Reads map the zero page (hashed read-only); each write copies it: ptep_clear_flush
        // under the PTE lock, not in lazy-MMU mode, so hpte_need_flush flushes at once.
        string yaml = ReadThenWrite("anon");
        var r = TestScenarios.Run(yaml);

        Assert.Empty(r.Violations);
        Assert.Equal(4, r.Counters["hpte_invalidations"]);
        Assert.Equal(0, r.Counters["lazy_mmu_batch_flushes"]);
        Assert.Equal(8, r.Counters["hpte_inserts"]);
    }

    [Fact]
    public void ATableSizedForTheMachineOnlyHoldsWhatWasHashed()
    {
        Assert.Equal(19, HashedPageTable.GroupsShiftFor(4UL << 30, 12)); // one group per two pages
        Assert.Equal(13, HashedPageTable.GroupsShiftFor(64UL << 20, 12));
        Assert.Equal(HashedPageTable.MinGroupsShift, HashedPageTable.GroupsShiftFor(1UL << 20, 12));
        Assert.Equal(HashedPageTable.GroupsShiftFor(6UL << 20, 12), HashedPageTable.GroupsShiftFor(8UL << 20, 12)); // rounded up
    }

    [Fact]
    public void AFullGroupPairEvictsAndEveryHpteLeftIsFound()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(ReadThenUnmap(1)));
        var hpt = new HashedPageTable(sim.Machine, sim.Kernel.Counters, groupsShift: 1); // 2 groups, 16 slots
        for (int i = 0; i < 20; i++)
        {
            hpt.Insert(new MmuGather.Arch.Common.CachedTranslation(1, 0x1000_0000UL + ((ulong)i << 12), i, 0, Writable: false, Dirty: false));
        }

        Assert.Equal(16, hpt.Count);
        Assert.Equal(4, sim.Kernel.Counters[MmuGather.Mm.Counter.HpteEvictions]);
        int found = 0;
        for (int i = 0; i < 20; i++)
        {
            ulong va = 0x1000_0000UL + ((ulong)i << 12);
            int slot = hpt.Find(1, va);
            if (slot >= 0)
            {
                found++;
                Assert.True(hpt.Holds(slot, 1, va));
                Assert.Equal(i, hpt.At(slot).Pfn);
            }
        }

        Assert.Equal(16, found);
    }

    [Fact]
    public void TheMissFaultsIntoTheKernelWhenNothingIsHashed()
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(ReadThenUnmap(1)));
        var hpt = ((PowerPcHashMmu)sim.Kernel.Arch).Table;

        Assert.Same(hpt, sim.Machine.TlbRefill);
        Assert.Equal(AccessResult.NotPresent, hpt.Refill(sim.Machine.Cpus[0], 1, 0x7000_0000, write: false));
    }

    private static (RunResult Result, CacheEventLog Log) RunLogged(string yaml)
    {
        var sim = ScenarioRunner.Build(TestScenarios.Parse(yaml));
        var log = new CacheEventLog();
        sim.Hub.Add(log);
        return (sim.Run(), log);
    }
}
