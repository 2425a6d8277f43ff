using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Scenarios;
using MmuGather.Sim;

namespace MmuGather.Bench;

/// <summary>
/// The two measured cases, shared by the BenchmarkDotNet class and the --quick mode so that
/// both time exactly the same code.
///
/// <para>(a) <see cref="PopulateMunmap"/>: the scenario below, parsed and run the way a user
/// runs it (parse, build, every step, teardown, every checker).</para>
///
/// <para>(b) <see cref="MunmapSetup"/> + <see cref="Munmap"/>: the same machine and the same two
/// threads, driven step by step through the public Simulation API (the machine's current
/// CPU, the kernel's context switch, mmap and munmap) exactly the way
/// <see cref="Simulation.Run"/> schedules them: CPU 0 maps and populates, CPU 1 starts
/// spinning in the same mm, then CPU 0 unmaps. Only the munmap and the RCU quiescent-state
/// report that the simulation makes after every step are timed. Checkers stay registered
/// (they are wired into the machine by the Simulation constructor).</para>
/// </summary>
public static class BenchCases
{
    /// <summary>1 GiB of 4 KiB pages.</summary>
    public const int Pages = 262144;

    public const ulong Length = 1UL << 30;

    /// <summary>
    /// The scenario: <c>mmugather demo</c>'s (scenarios/munmap-1gib-two-cpus.yaml): on a 2-CPU,
    /// 4 GiB x86 machine, thread 0 maps 1 GiB with populate and unmaps it while thread 1 of the
    /// same process spins on CPU 1. The runs check that 1 GiB really was unmapped, so the
    /// per-page figures stay right if the file ever changes.
    /// </summary>
    public const string Yaml = BuiltInScenarios.Munmap1GibTwoCpus;

    /// <summary>(b) builds its machine from the same file as (a); the file's own threads are never run.</summary>
    private static readonly Scenario s_scenario = ScenarioParser.Parse(Yaml, "bench.yaml");

    /// <summary>(a) Parse + build + run the whole scenario, checkers included.</summary>
    public static RunResult PopulateMunmap()
    {
        Scenario scenario = ScenarioParser.Parse(Yaml, "bench.yaml");
        RunResult result = ScenarioRunner.Run(scenario);
        if (!result.Clean)
        {
            throw new InvalidOperationException($"benchmark scenario reported {result.ViolationsTotal} violation(s): {result.Violations[0].Message}");
        }

        long freed = result.Steps.Where(s => s.Op == "munmap").Sum(s => s.PagesFreed);
        if (freed != Pages)
        {
            throw new InvalidOperationException($"benchmark scenario's munmap freed {freed} pages, expected {Pages} (1 GiB)");
        }

        return result;
    }

    /// <summary>(b) setup: a fresh simulation, 1 GiB mapped and populated on CPU 0, CPU 1 spinning in the mm.</summary>
    public static MunmapState MunmapSetup()
    {
        Simulation sim = ScenarioRunner.Build(s_scenario);
        SimProcess app = sim.AddProcess("bench");
        SimMachine machine = sim.Machine;
        Kernel kernel = sim.Kernel;

        // Round 1, thread app/0 on CPU 0: mmap(1 GiB, MAP_POPULATE).
        machine.SwitchTo(machine.Cpus[0]);
        kernel.ContextSwitch(app.Mm);
        Vma vma = kernel.Mmap.DoMmap(app.Mm, new MappingRequest("buf", Length, Shared: false, FileBacked: false, Thp: false, Populate: true));
        kernel.Rcu.ReportAllQuiescent();

        // Round 1, thread app/1 on CPU 1: spin (the mm stays live there, in user mode).
        machine.SwitchTo(machine.Cpus[1]);
        kernel.ContextSwitch(app.Mm);
        kernel.Rcu.ReportAllQuiescent();

        return new MunmapState(sim, app, vma.Start, vma.End - vma.Start);
    }

    /// <summary>(b) timed part: round 2, thread app/0 back on CPU 0: munmap of the region.</summary>
    public static long Munmap(MunmapState s)
    {
        SimMachine machine = s.Sim.Machine;
        Kernel kernel = s.Sim.Kernel;
        machine.SwitchTo(machine.Cpus[0]); // app/0 is still CPU 0's running task: no context switch
        kernel.Mmap.DoMunmap(s.App.Mm, s.Start, s.Length);
        kernel.Rcu.ReportAllQuiescent();
        return kernel.Counters[Counter.PagesFreed];
    }

    /// <summary>Checks that (b) did what the munmap step of (a) does.</summary>
    public static void VerifyMunmap(MunmapState s, long pagesFreed)
    {
        if (pagesFreed != Pages)
        {
            throw new InvalidOperationException($"munmap freed {pagesFreed} pages, expected {Pages}");
        }

        long fired = s.Sim.Checkers.Sum(c => c.Fired);
        if (fired != 0)
        {
            throw new InvalidOperationException($"munmap benchmark: {fired} checker violation(s)");
        }
    }
}

/// <summary>What (b)'s setup leaves for the timed munmap.</summary>
public sealed record MunmapState(Simulation Sim, SimProcess App, ulong Start, ulong Length);
