using System.Diagnostics;
using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;
using MmuGather.Sim.Checkers;

namespace MmuGather.Bench;

/// <summary>
/// <c>--quick --breakdown</c>: Stopwatch experiments that say where the model's time goes,
/// for docs/performance.md. Every figure is the median of the runs, in ns per simulated page.
/// <list type="number">
/// <item>Phases of the user's run (a): parse, build, each step, the rest of Run (teardown:
/// exit of the spinning thread, leak check over every frame, counter snapshots).</item>
/// <item>The same populate and munmap driven by hand on a machine whose observer hub holds
/// nothing, the translation shadow only, the shadow and flush-before-free, or every checker
/// the Simulation registers: the cost of the oracles.</item>
/// <item>Managed allocation per page and GC counts for populate and munmap.</item>
/// <item>(a) with a 64-entry, 4-way TLB instead of 1536/12.</item>
/// <item>(a) run after run: wall clock, user and system CPU time, GCs: what varies.</item>
/// </list>
/// </summary>
internal static class Breakdown
{
    /// <summary>The demo scenario with a 64-entry, 4-way TLB: the only line that differs is the machine's.</summary>
    private static readonly string s_smallTlbYaml = BuiltInScenarios.Munmap1GibTwoCpus.Replace(
        "machine: { arch: x86, cpus: 2, memory: 4GiB }",
        "machine: { arch: x86, cpus: 2, memory: 4GiB, tlb: { entries: 64, ways: 4 } }",
        StringComparison.Ordinal);

    /// <summary>A machine-only scenario: one thread with no steps, in a process of its own.</summary>
    private const string MachineOnlyYaml = """
        name: bench-phases
        machine: { arch: x86, cpus: 2, memory: 4GiB }
        processes:
          - name: idle
            threads:
              - cpu: 0
                steps: []
        """;

    public static void Run(int runs)
    {
        Console.WriteLine();
        Console.WriteLine("# breakdown 1: phases of (a), the run as users run it");
        Phases(runs);

        Console.WriteLine();
        Console.WriteLine("# breakdown 2: populate and munmap by hand, by observers registered on the machine");
        foreach (Observers o in Enum.GetValues<Observers>())
        {
            ByObservers(o, runs);
        }

        Console.WriteLine();
        Console.WriteLine("# breakdown 3: managed allocation (all observers, as in a Simulation)");
        Allocation();

        Console.WriteLine();
        Console.WriteLine("# breakdown 4: (a) with a 64-entry 4-way TLB (default 1536 entries, 12 ways)");
        Scenario small = ScenarioParser.Parse(s_smallTlbYaml, "bench-small-tlb.yaml");
        ScenarioRunner.Run(small);
        var t = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            QuickMode.Settle();
            long t0 = Stopwatch.GetTimestamp();
            RunResult res = ScenarioRunner.Run(small);
            t.Add(QuickMode.PerPage(Stopwatch.GetElapsedTime(t0)));
            Require(res.Clean, "small-TLB run reported violations");
        }

        Console.WriteLine($"populate+munmap, small TLB      {QuickMode.Median(t),8:F1} ns/page");

        Console.WriteLine();
        Console.WriteLine("# breakdown 5: (a) run after run, no GC forced in between (ns/page; user and system: whole process, JIT and GC threads included)");
        for (int r = 1; r <= Math.Max(runs, 6); r++)
        {
            var cpu0 = Environment.CpuUsage;
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            long t0 = Stopwatch.GetTimestamp();
            BenchCases.PopulateMunmap();
            double wall = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));
            var cpu1 = Environment.CpuUsage;
            Console.WriteLine(
                $"run {r}: wall {wall,7:F1}   user {QuickMode.PerPage(cpu1.UserTime - cpu0.UserTime),7:F1}   system {QuickMode.PerPage(cpu1.PrivilegedTime - cpu0.PrivilegedTime),7:F1}   " +
                $"GCs gen0/1/2 {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}   " +
                $"GC pause so far {GC.GetTotalPauseDuration().TotalMilliseconds,7:F1} ms");
        }
    }

    // ------------------------------------------------------------------ 1. phases

    private static void Phases(int runs)
    {
        Scenario bench = ScenarioParser.Parse(BenchCases.Yaml, "bench.yaml");
        Scenario machineOnly = ScenarioParser.Parse(MachineOnlyYaml, "bench-phases.yaml");
        var names = new[] { "parse", "build (machine, kernel, checkers)", "step mmap+populate", "step spin", "step munmap", "rest of Run (teardown, leak check)", "total" };
        var samples = names.ToDictionary(n => n, _ => new List<double>());
        for (int r = 0; r <= runs; r++)
        {
            QuickMode.Settle();
            long t0 = Stopwatch.GetTimestamp();
            Scenario parsed = ScenarioParser.Parse(BenchCases.Yaml, "bench.yaml");
            double parse = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));

            long t1 = Stopwatch.GetTimestamp();
            Simulation sim = ScenarioRunner.Build(machineOnly);
            SimProcess app = sim.AddProcess("app");
            var timed = new Dictionary<string, TimedStep>();
            foreach (ThreadSpec thread in parsed.Processes[0].Threads)
            {
                var steps = thread.Steps.Select(s =>
                {
                    var step = new TimedStep(new ScenarioStep(s, parsed.SourcePath));
                    timed[step.Op] = step;
                    return (ISimStep)step;
                }).ToList();
                sim.AddThread(app, thread.Cpu, steps);
            }

            double build = QuickMode.PerPage(Stopwatch.GetElapsedTime(t1));
            long t2 = Stopwatch.GetTimestamp();
            RunResult result = sim.Run();
            double run = QuickMode.PerPage(Stopwatch.GetElapsedTime(t2));
            double total = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));
            Require(result.Clean, "phase run reported violations");
            Require(result.Steps.Single(s => s.Op == "munmap").PagesFreed == BenchCases.Pages, "phase run: munmap did not free 1 GiB");
            if (r == 0)
            {
                continue; // warm-up
            }

            double mmap = timed["mmap"].PerPage, spin = timed["spin"].PerPage, munmap = timed["munmap"].PerPage;
            samples["parse"].Add(parse);
            samples["build (machine, kernel, checkers)"].Add(build);
            samples["step mmap+populate"].Add(mmap);
            samples["step spin"].Add(spin);
            samples["step munmap"].Add(munmap);
            samples["rest of Run (teardown, leak check)"].Add(run - mmap - spin - munmap);
            samples["total"].Add(total);
        }

        foreach (string n in names)
        {
            Console.WriteLine($"{n,-40} {QuickMode.Median(samples[n]),8:F1} ns/page");
        }

        _ = bench;
    }

    private sealed class TimedStep(ISimStep inner) : ISimStep
    {
        public string Op => inner.Op;

        public int Line => inner.Line;

        public double PerPage { get; private set; }

        public void Execute(StepContext context)
        {
            long t0 = Stopwatch.GetTimestamp();
            inner.Execute(context);
            PerPage = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));
        }
    }

    // ------------------------------------------------------------------ 2. observers

    private enum Observers
    {
        None,
        ShadowOnly,
        ShadowAndFlushBeforeFree,
        AllCheckers,
    }

    private static void ByObservers(Observers which, int runs)
    {
        var populate = new List<double>();
        var munmap = new List<double>();
        for (int r = 0; r <= runs; r++)
        {
            QuickMode.Settle();
            long t0 = Stopwatch.GetTimestamp();
            var (kernel, mm) = Machine(which);
            double build = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));
            _ = build;

            t0 = Stopwatch.GetTimestamp();
            (ulong start, ulong length) = PopulateOnCpu0AndSpinOnCpu1(kernel, mm);
            double p = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));

            QuickMode.Settle();
            t0 = Stopwatch.GetTimestamp();
            kernel.Machine.SwitchTo(kernel.Machine.Cpus[0]);
            kernel.Mmap.DoMunmap(mm, start, length);
            kernel.Rcu.ReportAllQuiescent();
            double m = QuickMode.PerPage(Stopwatch.GetElapsedTime(t0));
            Require(kernel.Counters[Counter.PagesFreed] == BenchCases.Pages, "munmap did not free 1 GiB");
            if (r > 0)
            {
                populate.Add(p);
                munmap.Add(m);
            }
        }

        string label = which switch
        {
            Observers.None => "no observer",
            Observers.ShadowOnly => "translation shadow only",
            Observers.ShadowAndFlushBeforeFree => "shadow + flush-before-free",
            _ => "every checker (as Simulation)",
        };
        Console.WriteLine($"{label,-32} populate {QuickMode.Median(populate),8:F1} ns/page   munmap {QuickMode.Median(munmap),8:F1} ns/page");
    }

    /// <summary>A 2-CPU 4 GiB x86 machine and kernel as the Simulation builds them, with a chosen set of observers.</summary>
    private static (Kernel Kernel, MmStruct Mm) Machine(Observers which)
    {
        if (which == Observers.AllCheckers)
        {
            Simulation sim = ScenarioRunner.Build(ScenarioParser.Parse(BenchCases.Yaml, "bench.yaml"));
            return (sim.Kernel, sim.AddProcess("bench").Mm);
        }

        var options = new MachineOptions { Cpus = 2, MemoryBytes = 4UL << 30 };
        var diag = new MmuGather.Machine.Diagnostics { Seed = ScenarioRunner.DefaultSeed };
        var hub = new ObserverHub();
        var machine = new SimMachine(options, AllocFailurePlan.None, hub, diag, SequentialScheduler.Instance);
        if (which != Observers.None)
        {
            var shadow = new TranslationShadow(options.Cpus, machine.Memory.FrameCount, machine.Geometry);
            hub.Add(shadow);
            if (which == Observers.ShadowAndFlushBeforeFree)
            {
                hub.Add(new FlushBeforeFreeChecker(shadow, diag));
            }
        }

        var kernel = new Kernel(machine, Architectures.Factory("x86"));
        return (kernel, kernel.CreateMm("bench"));
    }

    /// <summary>As the simulation's first round: CPU 0 maps and populates, CPU 1 switches to the mm and spins.</summary>
    private static (ulong Start, ulong Length) PopulateOnCpu0AndSpinOnCpu1(Kernel kernel, MmStruct mm)
    {
        SimMachine machine = kernel.Machine;
        machine.SwitchTo(machine.Cpus[0]);
        kernel.ContextSwitch(mm);
        Vma vma = kernel.Mmap.DoMmap(mm, new MappingRequest("buf", BenchCases.Length, false, false, false, true));
        kernel.Rcu.ReportAllQuiescent();
        machine.SwitchTo(machine.Cpus[1]);
        kernel.ContextSwitch(mm);
        kernel.Rcu.ReportAllQuiescent();
        return (vma.Start, vma.End - vma.Start);
    }

    // ------------------------------------------------------------------ 3. allocation

    private static void Allocation()
    {
        QuickMode.Settle();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long b0 = GC.GetAllocatedBytesForCurrentThread();
        MunmapState s = BenchCases.MunmapSetup();
        long b1 = GC.GetAllocatedBytesForCurrentThread();
        int p0 = GC.CollectionCount(0) - g0, p1 = GC.CollectionCount(1) - g1, p2 = GC.CollectionCount(2) - g2;
        g0 = GC.CollectionCount(0);
        g1 = GC.CollectionCount(1);
        g2 = GC.CollectionCount(2);
        long b2 = GC.GetAllocatedBytesForCurrentThread();
        BenchCases.Munmap(s);
        long b3 = GC.GetAllocatedBytesForCurrentThread();
        int m0 = GC.CollectionCount(0) - g0, m1 = GC.CollectionCount(1) - g1, m2 = GC.CollectionCount(2) - g2;
        Console.WriteLine($"build + populate: {(double)(b1 - b0) / BenchCases.Pages,8:F1} bytes/page allocated, GCs gen0/1/2 = {p0}/{p1}/{p2}");
        Console.WriteLine($"munmap:           {(double)(b3 - b2) / BenchCases.Pages,8:F1} bytes/page allocated, GCs gen0/1/2 = {m0}/{m1}/{m2}");
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
