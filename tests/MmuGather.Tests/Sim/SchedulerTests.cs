using MmuGather.Machine;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Tests.Sim;

/// <summary>
/// The interleaving scheduler: same seed, same run; preempted gathers migrate and stay
/// correct; IPIs wait for interrupts-off sections; every strategy runs every shipped scenario.
/// </summary>
public class SchedulerTests
{
    /// <summary>Two threads zap one region in parallel while a third touches it.</summary>
    private const string ParallelZap = """
        name: parallel-zap
        machine: { arch: x86, cpus: 3, memory: 256MiB }
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
                  - madvise: { region: buf, advice: dontneed, offset: 64KiB }
              - cpu: 2
                steps:
                  - touch: { region: buf, write: true, repeat: 3 }
        """;

    [Theory]
    [InlineData("random")]
    [InlineData("pct")]
    [InlineData("time")]
    public void SameSeedGivesTheSameRunEventForEvent(string strategy)
    {
        var settings = new RunSettings { Strategy = strategy, PctSteps = 300 };
        var a = ScenarioRunner.Run(TestScenarios.Parse(ParallelZap), 7, settings: settings);
        var b = ScenarioRunner.Run(TestScenarios.Parse(ParallelZap), 7, settings: settings);

        Assert.Equal(Describe(a), Describe(b));
        Assert.Empty(a.Violations);
    }

    [Fact]
    public void DifferentSeedsExploreDifferentInterleavings()
    {
        var settings = new RunSettings { Strategy = Strategies.Random };
        var runs = new HashSet<string>();
        for (ulong seed = 1; seed <= 20; seed++)
        {
            Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(ParallelZap), seed, settings);
            RunResult r = sim.Run();
            runs.Add($"{sim.Scheduler.Points}/{sim.Scheduler.Switches}/{Describe(r)}");
        }

        Assert.True(runs.Count > 10, $"only {runs.Count} distinct runs in 20 seeds");
    }

    /// <summary>
    /// A munmap thread allowed on CPUs 0 and 1 is preempted at a cond_resched inside its
    /// gather and comes back on the other CPU; the flush still reaches every CPU that may
    /// hold the translations, and every checker stays silent.
    /// </summary>
    [Fact]
    public void APreemptedGatherMigratesMidMunmapAndEverythingStillHolds()
    {
        const string yaml = """
            name: migrate
            machine: { arch: x86, cpus: 3, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpus: [0, 1]
                    steps:
                      - mmap: { name: buf, length: 8MiB, populate: true }
                      - munmap: { region: buf }
                  - cpu: 2
                    steps:
                      - touch: { region: buf, write: true, length: 64KiB }
                      - spin
            """;
        int migrated = 0;
        for (ulong seed = 1; seed <= 40 && migrated == 0; seed++)
        {
            Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml), seed, new RunSettings { Strategy = Strategies.Random });
            var watch = new MigrationWatch("app/0");
            sim.Hub.Add(watch);
            RunResult r = sim.Run();

            Assert.Empty(r.Violations);
            migrated += watch.MigrationsInsideMunmap;
        }

        Assert.True(migrated > 0, "no seed in 1..40 preempted the munmap and resumed it on another CPU");
    }

    [Fact]
    public void AThreadSleepsOnTheMmapLockAndIsWokenWhenMunmapReleasesIt()
    {
        // CPU1's faults take the mmap lock for read; munmap on CPU0 holds it for write while
        // it detaches the vmas. Some interleavings make the toucher sleep there; every one of
        // them wakes it and runs every step to the end, with no checker firing.
        const string yaml = """
            name: sleep-on-mmap-lock
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: a, length: 1MiB }
                      - mmap: { name: b, length: 1MiB, populate: true }
                      - munmap: { region: b }
                  - cpu: 1
                    steps:
                      - touch: { region: a, write: true }
            """;
        long slept = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml), seed, new RunSettings { Strategy = Strategies.Random });
            RunResult r = sim.Run();

            Assert.Empty(r.Violations);
            Assert.Equal(4, r.Steps.Count);
            Assert.Equal(256, r.Counters["page_faults"] - 256); // 256 populated, 256 touched
            slept += sim.Scheduler.SleepsOn.GetValueOrDefault("mmap_lock(mm1)");
        }

        Assert.True(slept > 0, "no seed in 1..40 made a thread sleep on the mmap lock");
    }

    [Fact]
    public void AnIpiWaitsUntilTheTargetReenablesInterrupts()
    {
        // CPU1 walks with gup_fast (interrupts off) while CPU0 frees tables and flushes:
        // in every interleaving the flush IPI is taken only after the walk.
        const string yaml = """
            name: gup-vs-munmap
            machine: { arch: x86, cpus: 2, memory: 256MiB }
            processes:
              - name: app
                threads:
                  - cpu: 0
                    steps:
                      - mmap: { name: buf, length: 4MiB, populate: true }
                      - munmap: { region: buf }
                  - cpu: 1
                    steps:
                      - gup_fast: { region: buf, length: 64KiB }
                      - gup_fast: { region: buf, length: 64KiB }
            """;
        for (ulong seed = 1; seed <= 50; seed++)
        {
            Simulation sim = ScenarioRunner.Build(TestScenarios.Parse(yaml), seed, new RunSettings { Strategy = Strategies.Random });
            var watch = new IrqWatch(sim.Machine);
            sim.Hub.Add(watch);
            RunResult r = sim.Run();

            Assert.Empty(r.Violations);
            Assert.Equal(0, watch.DeliveredWithIrqsOff);
        }
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void EveryStrategyRunsEveryShippedScenarioClean(string file, string strategy)
    {
        Scenario s = ScenarioParser.ParseFile(file);
        if (s.Kernel.Bugs.Count > 0 || s.Machine.MemoryBytes > (1UL << 30))
        {
            return; // broken on purpose, or too big for a unit test (the demo is covered elsewhere)
        }

        RunResult r = ScenarioRunner.Run(s, 3, settings: new RunSettings { Strategy = strategy, PctSteps = 500 });

        Assert.Empty(r.Violations);
    }

    public static TheoryData<string, string> ShippedScenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot(), "scenarios"), "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (string strategy in Strategies.Names)
            {
                data.Add(file, strategy);
            }
        }

        return data;
    }

    internal static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "MmuGather.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found");
    }

    private static string Describe(RunResult r) =>
        string.Join("\n", r.Steps.Select(s => s.ToString()))
        + "\n" + string.Join("\n", r.Counters.Select(kv => $"{kv.Key}={kv.Value}"))
        + "\n" + string.Join("\n", r.Violations.Select(v => v.ToString()));

    /// <summary>Counts how often the thread shows up on a new CPU while a munmap is in flight.</summary>
    private sealed class MigrationWatch(string thread) : Observer
    {
        private bool _inMunmap;
        private int _cpuAtStart = -1;
        private int _lastCpu = -1;

        public int MigrationsInsideMunmap { get; private set; }

        public override void ThreadOnCpu(int cpu, string? name)
        {
            if (name != thread)
            {
                return;
            }

            if (_inMunmap && cpu != _cpuAtStart)
            {
                MigrationsInsideMunmap++;
            }

            _lastCpu = cpu;
        }

        public override void OperationStarted(long id, string operation, int asid, ulong start, ulong end)
        {
            if (operation == "munmap")
            {
                _inMunmap = true;
                _cpuAtStart = _lastCpu;
            }
        }

        public override void OperationReturned(long id, string operation, int asid, ulong start, ulong end) =>
            _inMunmap &= operation != "munmap";
    }

    private sealed class IrqWatch(SimMachine machine) : Observer
    {
        public int DeliveredWithIrqsOff { get; private set; }

        public override void TableRead(int cpu, int pfn, uint generation, TableReader reader)
        {
            // While gup_fast reads (interrupts off), nothing may have been delivered to it.
            if (reader == TableReader.GupFast && machine.Cpus[cpu].IrqsEnabled)
            {
                DeliveredWithIrqsOff++; // gup_fast must run with interrupts off
            }
        }

        public override void IpiDelivered(int fromCpu, int toCpu, IpiKind kind)
        {
            // Handlers run with interrupts off: the model turned them off for the handler only.
            if (machine.Cpus[toCpu].IrqsEnabled)
            {
                DeliveredWithIrqsOff++;
            }
        }
    }
}
