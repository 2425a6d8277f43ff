using MmuGather.Machine;
using MmuGather.Mm;
using MmuGather.Sim;

namespace MmuGather.Scenarios;

/// <summary>Builds a <see cref="Simulation"/> from a parsed <see cref="Scenario"/> and runs it.</summary>
public static class ScenarioRunner
{
    /// <summary>The seed used when neither the scenario nor the command line gives one.</summary>
    public const ulong DefaultSeed = 1;

    public static RunResult Run(Scenario scenario, ulong? seedOverride = null, Action<int, int, string>? progress = null, RunSettings? settings = null)
    {
        Simulation sim = Build(scenario, seedOverride, settings);
        sim.Progress = progress;
        return sim.Run();
    }

    /// <summary>Builds the simulation without running it (tests inspect its parts).</summary>
    public static Simulation Build(Scenario scenario, ulong? seedOverride = null, RunSettings? settings = null)
    {
        RunSettings r = settings ?? RunSettings.Default;
        var sim = new Simulation(Options(scenario, seedOverride ?? scenario.Seed ?? DefaultSeed) with
        {
            Strategy = r.Strategy,
            PctDepth = r.PctDepth,
            PctSteps = r.PctSteps,
            Preemption = r.Preemption,
            MaxPoints = r.MaxPoints,
        }, r.Pool);

        var processes = new Dictionary<string, SimProcess>(StringComparer.Ordinal);
        foreach (ProcessSpec p in scenario.Processes)
        {
            // A forked process's mm is made here, empty, and filled by its parent's fork step
            // (the model allocates its pgd at the start of the run, not in the fork).
            if (sim.TryAddProcess(p.Name) is not { } process)
            {
                continue; // ENOMEM at fork/exec: the process and its steps never run
            }

            processes[p.Name] = process;
            process.Footprint = p.Footprint;
            foreach (ThreadSpec t in p.Threads)
            {
                sim.AddThread(process, t.Cpu, t.Mask, t.Steps.Select(s => (ISimStep)new ScenarioStep(s, scenario.SourcePath)).ToList());
            }
        }

        LinkForks(processes);
        return sim;
    }

    /// <summary>Each fork step's child learns which thread and step create it (a child whose pgd could not be had stays out).</summary>
    private static void LinkForks(Dictionary<string, SimProcess> processes)
    {
        foreach (SimThread thread in processes.Values.SelectMany(p => p.Threads))
        {
            for (int i = 0; i < thread.Steps.Count; i++)
            {
                if (thread.Steps[i] is ScenarioStep { Step: ForkStep fork } && processes.TryGetValue(fork.Child, out SimProcess? child))
                {
                    child.ForkedBy(thread, i);
                }
            }
        }
    }

    private static SimulationOptions Options(Scenario scenario, ulong seed)
    {
        MachineSpec m = scenario.Machine;
        var failures = new AllocFailurePlan();
        foreach (AllocFailureSpec f in m.FailAllocations)
        {
            failures.Fail(SiteOf(f.Site), f.Nth, f.Count);
        }

        return new SimulationOptions
        {
            Name = scenario.Name,
            Arch = m.Arch,
            Seed = seed,
            Bugs = KernelBugs.Parse(scenario.Kernel.Bugs),
            GatherMode = scenario.Kernel.Gather,
            FlushApi = scenario.Kernel.FlushApi,
            Failures = failures,
            Machine = new MachineOptions
            {
                Cpus = m.Cpus,
                MemoryBytes = m.MemoryBytes,
                TlbEntries = m.TlbEntries,
                TlbWays = m.TlbWays,
                WalkCacheEntries = m.WalkCacheEntries,
            },
        };
    }

    private static AllocSite SiteOf(string site) => site switch
    {
        "user-page" => AllocSite.UserPage,
        "page-table" => AllocSite.PageTable,
        "gather-batch" => AllocSite.GatherBatch,
        "table-batch" => AllocSite.TableBatch,
        _ => throw new ArgumentException($"unknown allocation site '{site}'"),
    };
}
