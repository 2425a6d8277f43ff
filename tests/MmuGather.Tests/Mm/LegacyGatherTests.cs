using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Mm;

/// <summary>
/// The 2.6-era per-CPU gather (<see cref="GatherMode.PerCpu26"/>, v2.6.39 asm-generic/tlb.h):
/// preemption off from gather to finish, one fixed array of FREE_PTE_NR = 506 pages, a full
/// array flushed and freed under the PTE lock, no reschedule point, and the checkers silent.
/// </summary>
public sealed class LegacyGatherTests
{
    private static Kernel NewKernel(GatherMode mode)
    {
        var sim = new Simulation(new SimulationOptions { Machine = new MachineOptions { MemoryBytes = 64UL << 20 }, GatherMode = mode });
        return sim.Kernel;
    }

    private static string Munmap(long pages, string gather, string machineExtra = "") => $$"""
        name: legacy-{{pages}}
        machine: { arch: x86, cpus: 2, memory: 1GiB{{machineExtra}} }
        kernel: { gather: {{gather}} }
        processes:
          - name: app
            threads:
              - cpu: 0
                steps:
                  - mmap: { name: buf, length: {{pages * 4096}}, populate: true }
                  - munmap: { region: buf }
              - cpu: 1
                steps:
                  - spin: {}
        """;

    [Fact]
    public void PerCpuGather_IsFullAt506Pages_WithoutAllocatingABatch()
    {
        Kernel k = NewKernel(GatherMode.PerCpu26);
        Gather tlb = Gather.TlbGatherMmu(k, k.CreateMm("t"));
        int full = -1;
        for (int i = 1; i <= Gather.FreePteNr + 1 && full < 0; i++)
        {
            int pfn = k.Machine.Memory.Alloc(AllocSite.UserPage, FrameKind.User);
            tlb.FlushLevelRange(0, (ulong)i << 12, 4096);
            full = tlb.RemovePage(pfn, delayRmap: false) ? i : -1;
        }

        Assert.Equal(506, full);
        Assert.Equal(506, tlb.QueuedPages);
        Assert.Equal(0, tlb.BatchCount);
        Assert.Equal(0, k.Counters[Counter.GatherBatchPagesAllocated]);
        tlb.TlbFinishMmu();
        Assert.Equal(0, tlb.QueuedPages);
        Assert.Equal(506, k.Counters[Counter.PagesFreed]);
    }

    [Fact]
    public void PerCpuGather_KeepsPreemptionOffFromGatherToFinish()
    {
        Kernel k = NewKernel(GatherMode.PerCpu26);
        Cpu cpu = k.Machine.Current;
        Gather tlb = Gather.TlbGatherMmu(k, k.CreateMm("t"));

        Assert.Equal(1, cpu.PreemptCount);
        Assert.False(tlb.MayReschedule);
        Assert.True(tlb.FreesUnderPtl);
        tlb.TlbFinishMmu();
        Assert.Equal(0, cpu.PreemptCount);
    }

    [Fact]
    public void PerCpuFullMmGather_IsNotPinned()
    {
        // exit_mmap in the model sleeps on the mmap lock mid-gather (as Linux does today), so
        // the fullmm gather stays preemptible; see Gather.PinCpu.
        Kernel k = NewKernel(GatherMode.PerCpu26);
        Gather tlb = Gather.TlbGatherMmuFullMm(k, k.CreateMm("t"));

        Assert.Equal(0, k.Machine.Current.PreemptCount);
        tlb.TlbFinishMmu();
        Assert.Equal(0, k.Machine.Current.PreemptCount);
    }

    [Fact]
    public void CurrentGather_LeavesPreemptionOn()
    {
        Kernel k = NewKernel(GatherMode.Current);
        Gather tlb = Gather.TlbGatherMmu(k, k.CreateMm("t"));

        Assert.Equal(0, k.Machine.Current.PreemptCount);
        Assert.True(tlb.MayReschedule);
        Assert.False(tlb.FreesUnderPtl);
        tlb.TlbFinishMmu();
    }

    [Fact]
    public void Munmap_FlushesOncePerFullArray_AndNeverReschedules()
    {
        RunResult r = TestScenarios.Run(Munmap(16384, "percpu-2.6"));

        Assert.True(r.Clean, string.Join("\n", r.Violations.Select(v => v.Message)));
        Assert.Equal(16384 / Gather.FreePteNr, r.Counters["gather_forced_flushes"]);
        Assert.Equal((16384 / Gather.FreePteNr) + 1, TestScenarios.StepOf(r, "munmap").TlbShootdownIpis);
        Assert.Equal(16384, TestScenarios.StepOf(r, "munmap").PagesFreed);
        Assert.Equal(0, r.Counters["cond_resched"]);
        Assert.Equal(0, r.Counters["gather_batch_pages_allocated"]);
    }

    [Fact]
    public void Munmap_NeverAsksForABatchPage_SoNoAllocationCanFail()
    {
        RunResult r = TestScenarios.Run(Munmap(4096, "percpu-2.6", ", fail_alloc: [{ site: gather-batch, nth: 1 }]"));

        Assert.True(r.Clean);
        Assert.Equal(0, r.Counters["gather_batch_alloc_failures"]);
        Assert.Equal(0, r.Counters["gather_batch_pages_allocated"]);
        Assert.Equal(4096 / Gather.FreePteNr, r.Counters["gather_forced_flushes"]);
    }

    [Theory]
    [InlineData("percpu-2.6", true)]
    [InlineData("current", false)]
    public void Munmap_FreesUnderThePteLock_OnlyInThe26Mode(string gather, bool underLock)
    {
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(Munmap(2048, gather)));
        var watch = new FreesUnderPtl();
        sim.Hub.Add(watch);

        RunResult r = sim.Run();

        Assert.True(r.Clean);
        Assert.True(watch.Freed >= 2048);
        Assert.Equal(underLock ? 4 * Gather.FreePteNr : 0, watch.FreedUnderPtl);
    }

    [Fact]
    public void PteLockHold_CoversTheFreeingOnlyInThe26Mode()
    {
        // The seed's "avoid flushing the tlb batches from under the pte lock ... significantly
        // reduces pte lock hold times": today one table of zaps and at most a TLB flush; the
        // 2.6-era gather also frees a whole array of pages under the lock.
        CostModel c = CostModel.X86;
        long flush = c.IpiSend + c.IpiLatency + c.IpiHandler + c.FlushAll;
        long current = LongestPteLockHold("current");
        long perCpu = LongestPteLockHold("percpu-2.6");

        Assert.InRange(current, 400 * c.ZapPte, (512 * c.ZapPte) + (2 * flush));
        Assert.True(perCpu >= Gather.FreePteNr * c.FreePage, $"longest PTE lock hold {perCpu} does not cover freeing {Gather.FreePteNr} pages");
    }

    private static long LongestPteLockHold(string gather)
    {
        Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(Munmap(16384, gather)), settings: new RunSettings { Strategy = Strategies.Time });
        var hold = new PteLockHold(sim.Machine);
        sim.Hub.Add(hold);
        Assert.True(sim.Run().Clean);
        return hold.Longest;
    }

    private static bool IsPtl(string name) => name.StartsWith("ptl(", StringComparison.Ordinal);

    /// <summary>The longest time (virtual cycles) any CPU held a PTE lock.</summary>
    private sealed class PteLockHold(SimMachine machine) : Observer
    {
        private readonly long[] _since = new long[machine.Cpus.Count];

        public long Longest { get; private set; }

        public override void LockAcquired(int cpu, string name, bool sleeping)
        {
            if (IsPtl(name))
            {
                _since[cpu] = machine.Cpus[cpu].Clock;
            }
        }

        public override void LockReleased(int cpu, string name, bool sleeping)
        {
            if (IsPtl(name))
            {
                Longest = Math.Max(Longest, machine.Cpus[cpu].Clock - _since[cpu]);
            }
        }
    }

    /// <summary>Counts user pages freed while a PTE lock is held (only the munmap on CPU 0 takes any here).</summary>
    private sealed class FreesUnderPtl : Observer
    {
        private int _ptlsHeld;

        public int Freed { get; private set; }

        public int FreedUnderPtl { get; private set; }

        public override void LockAcquired(int cpu, string name, bool sleeping) => _ptlsHeld += IsPtl(name) ? 1 : 0;

        public override void LockReleased(int cpu, string name, bool sleeping) => _ptlsHeld -= IsPtl(name) ? 1 : 0;

        public override void FrameFreeing(int pfn, FrameKind kind, int order)
        {
            if (kind == FrameKind.User)
            {
                Freed++;
                FreedUnderPtl += _ptlsHeld > 0 ? 1 : 0;
            }
        }
    }
}
